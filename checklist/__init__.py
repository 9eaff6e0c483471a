"""Checklist: the annual privacy checklist of the protocol (R19, appendix c).

Versioned templates of items, yearly rounds per school that every staff member answers,
evidence the system judges itself (each app contributes providers through the
``checklist_evidence`` hook), action items, dashboards and the (G)MR report.
"""
