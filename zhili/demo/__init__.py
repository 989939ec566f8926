"""Demo data (演示数据): the demo organisation and accounts loaded by `zhili seed-demo`.

乐山市 (511100) and its 11 county-level divisions carry their real names and administrative
codes. Everything below county level — townships/streets, communities/villages, grids — and every
department name, address, phone number, boundary (nested rectangles around Leshan) and person is
invented. Every demo unit and account has is_demo=True. The data is in `data.py`, the loading
(create what is missing, through the org and accounts services) in `loader.py`.
"""
