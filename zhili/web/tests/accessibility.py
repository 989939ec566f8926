"""Accessibility checks in the browser with axe-core (vendored from npm, see
scripts/vendor_assets.py): every input labelled, sufficient contrast, landmarks, names of
buttons and links — the WCAG 2.1 A and AA rules that a machine can check."""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parents[1] / "static" / "vendor" / "axe-core" / "axe.min.js"
RUN = """async () => {
  const rules = {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}};
  const result = await axe.run(document, rules);
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
}"""


def violations(page: Any) -> list[dict[str, Any]]:
    """axe's violations on the page as it stands. The page's context must bypass the CSP
    (`bypass_csp=True`): axe is injected, the pages themselves never load it."""
    page.add_script_tag(path=str(AXE))
    return list(page.evaluate(RUN))


def describe(found: list[dict[str, Any]]) -> str:
    return "\n".join(f"{v['id']} ({v['impact']}): {v['help']}\n  " + "\n  ".join(v["nodes"]) for v in found)
