"""The grid worker's phone pages (网格员): report a matter in half a minute, see one's own matters
with what is due first, and settle a small matter on the spot (就地化解) with a photo of the result.

Pages only parse and show. Registering goes through `matters.actions.receive`, the on-the-spot step
through `matters.actions.perform`, photos through `matters.attachments.attach`, each report or step
with its photos in one transaction (services.py). The location a worker gives is the matter's
place (Matter.lon/lat) and is kept nowhere else: Zhili handles matters, it does not track people.
"""
