"""People and access (人员与权限): accounts, roles held in units, sign-in with two-factor,
API tokens, and reveal of masked personal data.
"""
