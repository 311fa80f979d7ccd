"""Editorial tools: translation status, the editors' report, policy, PO files."""
