"""Bennett (2008) insurgency model, reproduced as a small model beside PeaceModel.

Bennett, D. S. (2008). "Governments, Civilians, and the Evolution of Insurgency: Modeling
the Early Dynamics of Insurgencies". JASSS 11(4) 7. https://www.jasss.org/11/4/7.html

Modules: :mod:`.params` (parameters with their ranges and sources), :mod:`.kernels` (the
step kernel and its NumPy twin), :mod:`.model` (``BennettModel``: set-up, run, results).
"""

from peacesim.bennett.model import BennettModel
from peacesim.bennett.params import BennettParams

__all__ = ["BennettModel", "BennettParams"]
