"""Content detection: detectors that find secrets and PHI in text without logging values."""
