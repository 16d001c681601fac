"""Youth employment: programmes that give young people work.

A young person is employed when their fixed job draw falls below the cell's employment rate,
``1 - unemployment`` raised by the programme to ``1 - unemployment * (1 - youth_coverage)``.
Employment lowers hardship (grievance kernel) and the chance of joining an armed group
(recruitment kernel).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from peacesim.config.fields import share
from peacesim.dtypes import ACC
from peacesim.kernels.cells import employment_step
from peacesim.mechanisms.base import Column, Mechanism, Programme, mechanism
from peacesim.results import Metric


@dataclass
class EmploymentParams(Programme):
    """Youth employment programme.

    Attributes:
        youth_coverage: Share of unemployed young people the programme gives work. 0 = none.
            Plausible 0-0.5.
        start, end, regions: When and where.
    """

    youth_coverage: float = share(0.0, plausible=(0.0, 0.5), source="programme lever (assumed)")


@mechanism
class Employment(Mechanism):
    """Sets who among the young is employed each week."""

    name = "employment"
    phases = {"programmes": "hire"}
    Params = EmploymentParams

    owns = (
        Column("p_job", ACC, "probability 0-1", "chance a young person in the cell has work",
               bounds=(0, 1)),
        Column("youth_employed", np.int64, "members", "young members with work"),
    )
    reads = ("cells.youth", "people.traits")
    writes = ("people.status",)
    streams = ("jobs",)
    metrics = (Metric("youth_employed", "share", "youth", "Young people with work",
                      "% of young people", "share of young people with work", scale=100.0),)

    def setup(self) -> None:
        """Baseline unemployment per cell (jobs are set in the first programmes phase)."""
        model = self.model
        self.unemployment = model.world.per_cell(model.config.regions, "youth_unemployment")
        # The employment rate of a cell where the programme runs, and where it does not:
        # fixed for the run, so each week only picks one of the two per cell.
        self._p_job_covered = 1.0 - self.unemployment * (1.0 - self.params.youth_coverage)
        self._p_job_uncovered = 1.0 - self.unemployment

    def hire(self, t: int) -> None:
        """Employment rate per cell this week, then each young person's status."""
        p, model, cells = self.params, self.model, self.model.cells
        p_job = np.where(self.coverage(p, t), self._p_job_covered, self._p_job_uncovered)
        if (p_job == cells["p_job"]).all():
            # Nobody's job changes: status bits and counts already match these rates (they
            # start at 0 with rate 0, and a checkpoint saves rates and bits together).
            return
        cells["p_job"][:] = p_job
        people = model.people
        employment_step(people.offsets, people.traits, people["status"], cells["p_job"],
                        self.stream("jobs"), cells["youth_employed"])

    def record(self, out: dict) -> None:
        """Share of young people employed per region."""
        world, cells = self.model.world, self.model.cells
        n_youth, employed = world.region_sums(cells["youth"], cells["youth_employed"])
        out["youth_employed"] = employed / np.maximum(n_youth, 1)
