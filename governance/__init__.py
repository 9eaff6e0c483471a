"""Governance: staff offboarding with its task list (R16), the FG registration (R18), the
privacy protocol with the (G)MR's consent (R7) and the equipment disposal log (R15)."""
