"""Web pages shared by every domain: the layout, home page, error pages and language switch."""
