"""peacesim: agent-based simulation of trust between communities and security forces."""

__version__ = "0.1.0"
