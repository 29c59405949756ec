"""Static files storage for production: whitenoise's compressed, hashed (cache-busting) files.

The vendored Bootstrap files end with a ``sourceMappingURL`` comment, but their ``.map`` files
are not shipped; Django's manifest storage would fail ``collectstatic`` trying to hash them.
This storage rewrites only real references (CSS ``url()`` and ``@import``) and leaves the
source-map comments alone (a browser asks for the map only with its developer tools open).
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    patterns = (
        (
            "*.css",
            (
                r"""(?P<matched>url\(['"]{0,1}\s*(?P<url>.*?)["']{0,1}\))""",
                (
                    r"""(?P<matched>@import\s*["']\s*(?P<url>.*?)["'])""",
                    """@import url("%(url)s")""",
                ),
            ),
        ),
    )
