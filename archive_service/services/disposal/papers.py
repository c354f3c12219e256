"""The papers of an act, as the UI, the API and the CLI hand them out: the act itself,
the personal-data act with its event log, and the опись of permanent cases, each as
PDF or XLSX, with a file name that says what it is."""

from __future__ import annotations

from datetime import datetime

from archive_service.access import Policy
from archive_service.archive import Archive
from archive_service.services.disposal import forms
from archive_service.services.disposal.act_model import ActError
from archive_service.services.disposal.acts import ActService
from archive_service.services.disposal.inventory import InventoryService
from archive_service.services.disposal.personal_data import PersonalDataService

KINDS = {"act": "akt", "personal_data": "akt-pdn", "inventory": "opis"}
MEDIA_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class PaperService:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    def paper(
        self, act_id: int, kind: str, fmt: str, policy: Policy | None = None
    ) -> tuple[bytes, str]:
        """(the file, its name); `kind` is act, personal_data or inventory."""
        if kind not in KINDS or fmt not in MEDIA_TYPES:
            raise ActError(f"Нет такого документа: {kind} {fmt}")
        info = ActService(self.archive).get(act_id, policy)
        executed = (
            datetime.fromisoformat(info.executed_at).strftime("%d.%m.%Y")
            if info.executed_at
            else None
        )
        name = f"{KINDS[kind]}-{info.year}-{info.number}.{fmt}"
        if kind == "act":
            if fmt == "pdf":
                return forms.act_pdf(info, executed=executed), name
            return forms.act_xlsx(info, executed), name
        if kind == "inventory":
            _, rows = InventoryService(self.archive).for_act(act_id, policy)
            if fmt == "pdf":
                return forms.inventory_pdf(info, rows), name
            return forms.inventory_xlsx(info, rows), name
        if info.status not in ("approved", "executing", "executed"):
            raise ActError("Акт о персональных данных составляется по утверждённому акту")
        people = PersonalDataService(self.archive)
        subjects, events = people.subjects(act_id, policy), people.event_log(act_id, policy)
        if fmt == "pdf":
            return forms.pd_act_pdf(info, subjects, events, executed), name
        return forms.pd_act_xlsx(info, subjects, events, executed), name
