"""PHI/PII detection: claude-guard's own fast recognizers (no Presidio import on this path).

`PhiDetector.default().scan(text)` is what the hooks call. `presidio_engine` (optional, only
imported when configured) adds Presidio/NER on candidate windows.
"""

from claude_guard.detect.phi.detector import PhiDetector

__all__ = ["PhiDetector"]
