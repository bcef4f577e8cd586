"""Non-site inspections (非现场检查): assets, records, evidence files and the visits their findings trigger."""
