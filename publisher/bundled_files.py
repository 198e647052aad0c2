"""Which repository files a wheel carries for ``publisher init`` (read by setup.py too).

Bundled name → path in the repository. No imports: setup.py reads this file before the
package's dependencies are installed.
"""

BUNDLE = {
    "example": "content",
    "mkdocs.yml": "mkdocs.yml",
    "site_templates/README.md": "site_templates/README.md",
    "ci/github-actions.yml": "examples/ci/github-actions.yml",
    "ci/gitlab-ci.yml": "examples/ci/gitlab-ci.yml",
}
