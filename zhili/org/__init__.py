"""Organisation (组织机构): the tree of units — city → county → township/street →
community/village → grid — with the departments attached to the level they serve, their
boundaries, contacts and working hours, and point → unit lookup.
"""
