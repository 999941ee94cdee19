"""What the volunteering routes share that lives as long as the API: the vault (made at
start-up, reached as the `PeopleVault` dependency)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.personal_data import Vault


def vault(request: Request) -> Vault:
    """The API's vault, made at start-up from the pool and the deployment's keys."""
    found: Vault = request.app.state.vault
    return found


PeopleVault = Annotated[Vault, Depends(vault)]
