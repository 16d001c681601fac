"""Geography: the regional grid of Mali plus Burkina Faso's Hauts-Bassins region.

``load_raster()`` reads the committed, derived ``mali_raster.npz`` (NumPy only). The file is
rebuilt offline by ``python -m peacesim.geography.build_raster``; see ``PROVENANCE.md``.
"""

from peacesim.geography.raster import REGION_IDS, REGION_NAMES, Raster, load_raster

__all__ = ["REGION_IDS", "REGION_NAMES", "Raster", "load_raster"]
