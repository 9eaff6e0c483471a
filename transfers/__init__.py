"""Transfers: the school transfer dossier (overstapdossier, OSO) of a pupil who leaves (R10, R13).

The pupil's IB-er or directie compiles what goes to the next school; the parents with parental
authority read it, sign for inspection and may add remarks; then it is handed over as a PDF and a
structured export for the OSO platform. The destination type sets the dossier's retention date.
"""
