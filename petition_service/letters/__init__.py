"""Letter delivery batches: freezing signatures, rendering and signing PDFs, storage.

    models.py     Batch, BatchDocument (the ORM side)
    batches.py    the service: freeze_batch, render_batch, queue_batch_render, batch_manifest
    storage.py    instance/batches/<id>/ files, written atomically
    verify.py     offline check of an exported batch folder
    delivery.py   mailing each recipient their PDF and the manifest; the email ledger
    attest.py     the manifest's detached signature
    context.py    plain data handed to the renderer
    render.py     the only WeasyPrint import: lays out assets/letter.html once per recipient
    assemble.py   the loop over signers: one PDF per recipient, every signer streamed once
    pieces.py     page pieces (letter page, footer, signature, annex table) and the Painter
    shaping.py    text to shaped runs: bidi, font fallback, HarfBuzz
    pdffonts.py   the batch's fonts: codes, subsets, ToUnicode, the text operators
    pdfwriter.py  the streaming PDF writer and its page tree
    fonts.py      the font set (Debian's Noto files) and what it can print
    layout.py     the page's geometry, in one place, and the words around the letter
    signing.py    PAdES signing and verification with pyHanko; the instance's own key pair
    fetcher.py    WeasyPrint may fetch the font set's files only

Nothing here imports WeasyPrint or pyHanko at import time: the web app loads them on the
first render only (signing only reads the font set's character maps, once).
"""
