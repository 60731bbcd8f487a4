"""Keeps presidio's dependencies off the network: tldextract (the e-mail recognizer's domain
check) reads its bundled Public Suffix List snapshot instead of fetching publicsuffix.org on
every cold start, which would hang or fail on an air-gapped server."""

from __future__ import annotations

import os

__all__ = ["use_bundled_suffix_list"]


def use_bundled_suffix_list() -> None:
    """Point tldextract at its bundled snapshot (no fetch, no disk cache); idempotent."""
    # Read by any TLDExtract built later, including the module-level one if not imported yet.
    os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] = ""
    import tldextract.tldextract as module

    if module.TLD_EXTRACTOR.suffix_list_urls or getattr(module, "_autocrm_offline", None) is None:
        # `tldextract.extract` looks the module-level extractor up on every call.
        module.TLD_EXTRACTOR = module.TLDExtract(suffix_list_urls=(), cache_dir=None)
        module._autocrm_offline = True  # type: ignore[attr-defined]
