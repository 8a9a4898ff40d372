"""Signing, packaging and sealing of send units — pure Python (``cryptography``, no Django).

``pki``      certificates: test CA, office certificates, PKCS#12, chain verification, signatures.
``package``  the signed package (ZIP with manifest and signature) around one send unit.
``sealing``  end-to-end encryption of a package to the recipient's certificates.

Used by ``linkage.exchange`` (the Django app that sends and receives) and by ``linkage.hub``; it imports
nothing from Django, ``portal`` or those apps (``tests/structure`` checks this).
"""
