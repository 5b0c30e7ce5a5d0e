"""axe-core in the page (vendored: static/vendor/axe-core/, scripts/vendor-static.sh).

The script is loaded from the site's own static files (the Content-Security-Policy allows 'self' scripts, so
the page's policy stays on), then ``axe.run`` checks the WCAG 2.0/2.1 A and AA rules. Serious and critical
violations fail the test; moderate and minor ones are listed in README.md ("Accessibility").
"""

from __future__ import annotations

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}

RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
                                          iframes: false});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 6).map(n => n.target.join(" ") + " :: " + (n.failureSummary || "").split("\\n").slice(1, 2).join(""))}));
}"""


def violations(page, site) -> list[dict]:
    """Every WCAG 2.1 A/AA violation axe finds on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=site("/static/vendor/axe-core/axe.min.js"))
    return page.evaluate(RUN, WCAG_TAGS)


def assert_no_serious_violations(page, site, where: str) -> list[dict]:
    """Fail on serious or critical violations (each with the first nodes it names); return the others."""
    found = violations(page, site)
    blocking = [v for v in found if v["impact"] in BLOCKING]
    assert not blocking, f"axe on {where} ({page.url}):\n" + "\n".join(
        f"- {v['impact']} {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in blocking
    )
    return [v for v in found if v["impact"] not in BLOCKING]
