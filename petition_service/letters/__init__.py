"""Letter delivery batches: freezing signatures, rendering and signing PDFs, storage.

    models.py     Batch, BatchDocument (the ORM side)
    batches.py    the service: freeze_batch, render_batch, queue_batch_render, batch_manifest
    storage.py    instance/batches/<id>/ files, written atomically
    verify.py     offline check of an exported batch folder
    delivery.py   mailing each recipient their PDF and the manifest; the email ledger
    context.py    plain data handed to the renderer
    render.py     the only WeasyPrint import: lays out assets/letter.html once per recipient
    assemble.py   streams every signer's page (or table rows) into one PDF per recipient
    pdfwriter.py  the streaming PDF writer; fonts.py the packaged fonts; layout.py geometry
    signing.py    PAdES signing and verification with pyHanko; the instance's own key pair
    fetcher.py    WeasyPrint may fetch packaged assets only

Nothing here imports WeasyPrint or pyHanko at import time: the web app loads them on the
first render only.
"""
