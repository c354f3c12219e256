"""Catalog tables. Column names follow domain.md; the migration in versions/ mirrors them."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from archive_service.domain import DocumentStatus, MoveStatus, PageState, StackStatus


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def new_id() -> str:
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    pass


class Document(Base):
    """One archived item: the scan(s) of a paper record, or an electronic export."""

    __tablename__ = "documents"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    filename: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(500))
    media_type: Mapped[str] = mapped_column(String(128))  # XLSX's is 65 characters
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    storage_key: Mapped[str] = mapped_column(String(500))
    page_count: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=DocumentStatus.QUEUED, index=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    searchable_pdf_key: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    archived_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # Set once by the page task that finds every page done, so one finalisation runs.
    finalize_requested_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # Filing: the nomenclature item (of the version it was filed under) and what the
    # archivist confirmed. Empty until filed.
    nomenclature_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("nomenclature_items.id", name="fk_documents_nomenclature_item_id"),
        nullable=True,
        index=True,
    )
    school_year: Mapped[str | None] = mapped_column(String(9), nullable=True)
    class_label: Mapped[str | None] = mapped_column(String(8), nullable=True)
    document_date: Mapped[date | None] = mapped_column(nullable=True)
    subject: Mapped[str | None] = mapped_column(String(100), nullable=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("cases.id", name="fk_documents_case_id"), nullable=True, index=True
    )
    filed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # A cover sheet's filing (intake.cover_sheet.CoverPayload.encode()), applied once the
    # document is archived; kept for the record of how it was filed.
    cover_payload: Mapped[str | None] = mapped_column(Text, nullable=True)
    # Health data (a ПМПК conclusion, disability): a special category of personal data
    # behind a permission of its own (archive_service.access.Permission.READ_HEALTH).
    health_data: Mapped[bool] = mapped_column(default=False)
    # The school whose record this is: the boundary of who may see it in a district
    # archive (archive_service.access.Policy.schools). Set at intake.
    school_id: Mapped[int | None] = mapped_column(
        ForeignKey("schools.id", name="fk_documents_school_id"), nullable=True, index=True
    )
    # How the original is protected in the store, as last set (services/disposal/
    # protection.py): the retention date its case's keeping asks for, and whether a hold
    # covers it. Kept here so that renewing every lock asks the store only for changes.
    locked_until: Mapped[datetime | None] = mapped_column(nullable=True)
    legal_hold: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Destroyed under an approved act (services/disposal/destruction.py): what stays is
    # this row as a stub (title, case, dates), with when and under which act.
    destroyed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # What the last fixity check found wrong («original.pdf: файл изменён»); None: whole.
    # A damaged file is never served as if it were good.
    damage: Mapped[str | None] = mapped_column(Text, nullable=True)
    act_id: Mapped[int | None] = mapped_column(
        ForeignKey("disposal_acts.id", name="fk_documents_act_id"), nullable=True
    )

    pages: Mapped[list[Page]] = relationship(
        back_populates="document", order_by="Page.number", cascade="all, delete-orphan"
    )


class Page(Base):
    """A page (лист) of a document with where its text came from and how sure OCR was."""

    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("document_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default=PageState.PENDING)
    source: Mapped[str | None] = mapped_column(String(16), nullable=True)
    text: Mapped[str] = mapped_column(Text, default="")
    confidence: Mapped[float | None] = mapped_column(nullable=True)
    rotation: Mapped[int] = mapped_column(Integer, default=0)
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    preview_key: Mapped[str | None] = mapped_column(String(500), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    # SHA-256 of the page's stored files, as read back when they were written: the
    # manifest lists them without reading hundreds of files back from the store again.
    preview_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    text_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)

    document: Mapped[Document] = relationship(back_populates="pages")


class DocumentEvent(Base):
    """What happened to a document, in order; copied into its manifest.json."""

    __tablename__ = "document_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")


class Stack(Base):
    """A scanned stack with cover sheets, uploaded to be split by a worker.

    Finding the sheets reads every page (a few tenths of a second each), too long for
    the request that uploads a stack of hundreds of pages: the upload stores the file
    and queues this row; the worker splits it, takes each part in as a document and
    records what came of each part (`report`, JSON), then drops the stored file. Who
    uploaded it is kept so that the parts' creation is audited under their name.
    """

    __tablename__ = "stacks"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(500))
    page_count: Mapped[int] = mapped_column(Integer)
    pages_read: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default=StackStatus.QUEUED)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    report: Mapped[str] = mapped_column(Text, default="")
    uploaded_by: Mapped[str] = mapped_column(String(64), default="")
    uploader_role: Mapped[str] = mapped_column(String(32), default="")
    uploader_address: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # The school the stack's parts are taken in for.
    school_id: Mapped[int | None] = mapped_column(
        ForeignKey("schools.id", name="fk_stacks_school_id"), nullable=True
    )


class SchoolMove(Base):
    """A school's whole archive exported to a bag, or a bag imported, by a worker.

    Either takes minutes to hours for a school of many scans, far longer than a web
    request: the request queues this row and the worker records its progress here. The
    bag itself is a ZIP in the object store (`storage_key`), so the web process and the
    worker need not share a disk: an export's ZIP waits there to be downloaded, an
    import's uploaded ZIP is dropped once taken in.
    """

    __tablename__ = "school_moves"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    direction: Mapped[str] = mapped_column(String(8))  # "export" | "import"
    # The school exported, or the one an import created (known once the bag is read).
    school_id: Mapped[int | None] = mapped_column(
        ForeignKey("schools.id", name="fk_school_moves_school_id"), nullable=True
    )
    school_name: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[str] = mapped_column(String(16), default=MoveStatus.QUEUED)
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # runs begun: >1 resumes
    storage_key: Mapped[str | None] = mapped_column(String(500), nullable=True)
    size: Mapped[int] = mapped_column(BigInteger, default=0)
    report: Mapped[str] = mapped_column(Text, default="")
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    requested_by: Mapped[str] = mapped_column(String(64), default="")
    requester_role: Mapped[str] = mapped_column(String(32), default="")
    requester_address: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)


class OutboxEntry(Base):
    """A pending index write, committed with the change it reflects (transactional outbox)."""

    __tablename__ = "index_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(String(32), index=True)
    operation: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)


class User(Base):
    """A person who signs in, with a role of archive_service.access.Role."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The classes a staff member may see, comma-separated («5А,9Б»); other roles: empty.
    classes: Mapped[str] = mapped_column(String(255), default="")
    # Failed sign-ins in a row, and until when the account refuses to sign in.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(nullable=True)
    # The school a school role works in; None for a district role (all schools).
    school_id: Mapped[int | None] = mapped_column(
        ForeignKey("schools.id", name="fk_users_school_id"), nullable=True
    )


# -- the school's archive: nomenclature, cases, pupils (domain.md glossary) -------------


class School(Base):
    """An organisation whose archive this is; a district's scaled archive holds several."""

    __tablename__ = "schools"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(500), unique=True)
    # The operator's address the personal-data destruction act names (Приказ РКН № 179).
    address: Mapped[str | None] = mapped_column(Text, nullable=True, default=None)
    # Merged into another school (реорганизация в форме присоединения): its records stay
    # its own, in its own cases, and the successor's people see them.
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("schools.id"), nullable=True, default=None
    )


class AccountSchool(Base):
    """A school granted to a district account: with any grant, it sees those only."""

    __tablename__ = "account_schools"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), primary_key=True)


class Nomenclature(Base):
    """One approved version of a school's nomenclature of cases for a year (номенклатура
    дел). Versions are never edited once documents are filed under them: an edit makes
    the next version."""

    __tablename__ = "nomenclatures"
    __table_args__ = (UniqueConstraint("school_id", "year", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    source: Mapped[str] = mapped_column(String(255), default="")

    items: Mapped[list[NomenclatureItem]] = relationship(
        back_populates="nomenclature", order_by="NomenclatureItem.index"
    )


class NomenclatureItem(Base):
    """A case category (статья номенклатуры) with its retention rule."""

    __tablename__ = "nomenclature_items"
    __table_args__ = (UniqueConstraint("nomenclature_id", "index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    nomenclature_id: Mapped[int] = mapped_column(
        ForeignKey("nomenclatures.id", ondelete="CASCADE"), index=True
    )
    index: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(500))
    retention_kind: Mapped[str] = mapped_column(String(16))
    retention_years: Mapped[int | None] = mapped_column(Integer, nullable=True)
    review_date: Mapped[date | None] = mapped_column(nullable=True)
    epk: Mapped[bool] = mapped_column(default=False)
    basis: Mapped[str] = mapped_column(Text, default="")
    closes: Mapped[str] = mapped_column(String(16))
    event: Mapped[str | None] = mapped_column(String(32), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[str] = mapped_column(Text, default="")  # one per line
    case_count: Mapped[int | None] = mapped_column(Integer, nullable=True)

    nomenclature: Mapped[Nomenclature] = relationship(back_populates="items")


class MetadataProposal(Base):
    """What the worker read from a document's text, waiting for the archivist."""

    __tablename__ = "metadata_proposals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    field: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(500))
    label: Mapped[str] = mapped_column(String(500))
    score: Mapped[float] = mapped_column()
    evidence: Mapped[str] = mapped_column(Text)  # JSON: [{page, start, end, text}]
    # Why it is only a guess (a kind from the body, a date against the school year, a
    # class the lists do not have): shown, and never filed «как предложено».
    doubt: Mapped[str | None] = mapped_column(Text, nullable=True)


class Pupil(Base):
    """A person whose results are recorded (обучающийся)."""

    __tablename__ = "pupils"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    surname: Mapped[str] = mapped_column(String(100), index=True)
    name: Mapped[str] = mapped_column(String(100))
    patronymic: Mapped[str | None] = mapped_column(String(100), nullable=True)
    birth_date: Mapped[date | None] = mapped_column(nullable=True)

    @property
    def full_name(self) -> str:
        """ФИО as papers and pages print it: surname, name, patronymic if any."""
        return " ".join(x for x in (self.surname, self.name, self.patronymic) if x)


class PupilClass(Base):
    """Which class a pupil was in during a school year (from class lists)."""

    __tablename__ = "pupil_classes"
    __table_args__ = (UniqueConstraint("pupil_id", "school_year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pupil_id: Mapped[str] = mapped_column(ForeignKey("pupils.id", ondelete="CASCADE"), index=True)
    school_year: Mapped[str] = mapped_column(String(9))
    class_label: Mapped[str] = mapped_column(String(8))


class Case(Base):
    """A file (дело, том) of one nomenclature item for one period, or of one pupil."""

    __tablename__ = "cases"
    __table_args__ = (UniqueConstraint("item_id", "period", "pupil_id", "volume"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("nomenclature_items.id"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    period: Mapped[str] = mapped_column(String(16), default="")  # «2024/2025», «2025», ""
    pupil_id: Mapped[str | None] = mapped_column(ForeignKey("pupils.id"), nullable=True, index=True)
    volume: Mapped[int] = mapped_column(Integer, default=1)
    opened_on: Mapped[date] = mapped_column()
    closed_on: Mapped[date | None] = mapped_column(nullable=True)
    # Where the paper original lies.
    room: Mapped[str | None] = mapped_column(String(64), nullable=True)
    shelf: Mapped[str | None] = mapped_column(String(64), nullable=True)
    box: Mapped[str | None] = mapped_column(String(64), nullable=True)

    item: Mapped[NomenclatureItem] = relationship()


class PupilEvent(Base):
    """Admitted, transferred out, graduated: with the date and the order (приказ)."""

    __tablename__ = "pupil_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pupil_id: Mapped[str] = mapped_column(ForeignKey("pupils.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    on: Mapped[date] = mapped_column()
    basis: Mapped[str] = mapped_column(String(255), default="")


class DocumentPupil(Base):
    """The pupils a document concerns."""

    __tablename__ = "document_pupils"

    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True
    )
    pupil_id: Mapped[str] = mapped_column(
        ForeignKey("pupils.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class AuditEntry(Base):
    """One row of the append-only, hash-chained audit log (services/admin/audit.py)."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column()
    actor: Mapped[str] = mapped_column(String(64), index=True)
    role: Mapped[str] = mapped_column(String(32))
    address: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(200), index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text, default="")
    # The school whose record (or person) the row is about: a school's auditor reads
    # its own school's rows. None: the district's own doings, or rows from before.
    school_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class ApiToken(Base):
    """A token a script presents as «Authorization: Bearer …»; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)


class WebSession(Base):
    """A person's signed-in browser: the cookie names it by a random token (only its
    SHA-256 is kept), so signing out, a new password or an administrator ends it on
    the server, whatever the browser still holds."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Absolute: fixed when the session opens, never moved by use.
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Hold(Base):
    """A hold (приостановка уничтожения) on a case, a pupil or a nomenclature item.

    A hold on a pupil covers every case of theirs and every case holding a document
    about them, including those filed after the hold was set; a hold on an item covers
    the item's cases under every version of the school's nomenclature. Several holds may
    stand on one record; a lifted hold stays, with who lifted it, when and why.
    """

    __tablename__ = "holds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), nullable=True, index=True)
    pupil_id: Mapped[str | None] = mapped_column(ForeignKey("pupils.id"), nullable=True, index=True)
    item_index: Mapped[str | None] = mapped_column(String(16), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    set_by: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime] = mapped_column(default=utcnow)
    lifted_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lifted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    lift_reason: Mapped[str | None] = mapped_column(Text, nullable=True)


class DisposalAct(Base):
    """«Акт о выделении к уничтожению документов, не подлежащих хранению» of a school.

    Drafted by the retention officer from the year's list, reviewed by the expert
    commission (its protocol), approved by the director («УТВЕРЖДАЮ»), then executed by
    a worker. From approval on it is frozen: its rows are a snapshot of the cases as the
    act states them, and its PDF is archived and filed into the act case.
    """

    __tablename__ = "disposal_acts"
    __table_args__ = (UniqueConstraint("school_id", "year", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    drafted_by: Mapped[str] = mapped_column(String(64))
    drafted_at: Mapped[datetime] = mapped_column(default=utcnow)
    protocol_number: Mapped[str | None] = mapped_column(String(32), nullable=True)
    protocol_date: Mapped[date | None] = mapped_column(nullable=True)
    commission: Mapped[str] = mapped_column(Text, default="")  # ЭК members, one per line
    reviewed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    approved_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    approved_at: Mapped[datetime | None] = mapped_column(nullable=True)
    executed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    executed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # The approved act's PDF, archived as a document of the act case (01-01).
    pdf_document_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)

    cases: Mapped[list[DisposalActCase]] = relationship(
        back_populates="act", order_by="DisposalActCase.position", cascade="all, delete-orphan"
    )


class DisposalActCase(Base):
    """One row of an act: a case as the act lists it (the eight columns), kept as it was
    stated so the signed act never changes under it."""

    __tablename__ = "disposal_act_cases"
    __table_args__ = (UniqueConstraint("act_id", "case_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    act_id: Mapped[int] = mapped_column(ForeignKey("disposal_acts.id", ondelete="CASCADE"))
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(600))
    dates: Mapped[str] = mapped_column(String(32))
    inventory: Mapped[str] = mapped_column(String(100))  # номенклатура за год
    index: Mapped[str] = mapped_column(String(16))
    case_count: Mapped[int] = mapped_column(Integer, default=1)
    period: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text, default="")

    act: Mapped[DisposalAct] = relationship(back_populates="cases")


class DisposalActSubject(Base):
    """A person whose personal data the act destroys (Приказ Роскомнадзора № 179): taken
    when the act is approved, before destruction removes the links that name them."""

    __tablename__ = "disposal_act_subjects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    act_id: Mapped[int] = mapped_column(
        ForeignKey("disposal_acts.id", ondelete="CASCADE"), index=True
    )
    pupil_id: Mapped[str] = mapped_column(String(32))
    full_name: Mapped[str] = mapped_column(String(300))
    categories: Mapped[str] = mapped_column(Text)
    sheets: Mapped[int] = mapped_column(Integer, default=0)
    cases: Mapped[str] = mapped_column(Text, default="")  # «02-01 …; 04-01 …»
    document_ids: Mapped[str] = mapped_column(Text, default="")  # comma-separated


class PupilTransfer(Base):
    """A pupil leaving by transfer (Приказ Минпросвещения № 240): the parents'
    application, the order, and the issue of the original personal file to them, which
    is the entry of the register of issued personal files (журнал выдачи личных дел)."""

    __tablename__ = "pupil_transfers"
    __table_args__ = (UniqueConstraint("school_id", "year", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    pupil_id: Mapped[str] = mapped_column(ForeignKey("pupils.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)  # the register's year
    number: Mapped[int] = mapped_column(Integer)  # the entry's number in that year
    application_date: Mapped[date] = mapped_column()
    applicant: Mapped[str] = mapped_column(String(300))
    applicant_document: Mapped[str] = mapped_column(String(300))
    destination: Mapped[str] = mapped_column(String(500))
    order_number: Mapped[str] = mapped_column(String(32))
    order_date: Mapped[date] = mapped_column()
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by: Mapped[str] = mapped_column(String(64))
    documents: Mapped[int] = mapped_column(Integer, default=0)
    sheets: Mapped[int] = mapped_column(Integer, default=0)
    # The signed application's scan, archived under the register's item (04-06).
    application_document_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # The receiving school's notice of enrolment (уведомление о зачислении), recorded
    # when it comes: its date, what it says, and its scan if one was taken in.
    notice_on: Mapped[date | None] = mapped_column(nullable=True)
    notice: Mapped[str | None] = mapped_column(Text, nullable=True)
    notice_document_id: Mapped[str | None] = mapped_column(String(32), nullable=True)


class JournalMark(Base):
    """One mark of an archived e-journal export: a lesson's, a period's, or the final
    one a summary or a grid's last period gives («final»). Kept as written («5/4»,
    «н»); a pupil the registry did not know yet keeps their name and is linked when a
    class list brings them (pupil_id None until then)."""

    __tablename__ = "journal_marks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    pupil_id: Mapped[str | None] = mapped_column(
        ForeignKey("pupils.id", ondelete="SET NULL"), nullable=True, index=True
    )
    pupil_name: Mapped[str] = mapped_column(String(300))
    school_year: Mapped[str] = mapped_column(String(9))
    class_label: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(8))  # lesson · period · final
    label: Mapped[str] = mapped_column(String(100))  # «02.09», «I четверть», «Алгебра»
    on: Mapped[date | None] = mapped_column(nullable=True)
    mark: Mapped[str] = mapped_column(String(16))
