BEGIN TRANSACTION;
CREATE TABLE account_schools (
	user_id INTEGER NOT NULL, 
	school_id INTEGER NOT NULL, 
	FOREIGN KEY(school_id) REFERENCES schools (id), 
	FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE, 
	PRIMARY KEY (user_id, school_id)
);
CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO "alembic_version" VALUES('0023');
CREATE TABLE api_tokens (
	id INTEGER NOT NULL, 
	user_id INTEGER NOT NULL, 
	label VARCHAR(100) NOT NULL, 
	token_hash VARCHAR(64) NOT NULL, 
	created_at DATETIME NOT NULL, 
	revoked_at DATETIME, 
	FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE, 
	PRIMARY KEY (id), 
	UNIQUE (token_hash)
);
CREATE TABLE audit_log (
	id INTEGER NOT NULL, 
	at DATETIME NOT NULL, 
	actor VARCHAR(64) NOT NULL, 
	role VARCHAR(32) NOT NULL, 
	address VARCHAR(64) NOT NULL, 
	action VARCHAR(32) NOT NULL, 
	target VARCHAR(200) NOT NULL, 
	outcome VARCHAR(16) NOT NULL, 
	detail TEXT NOT NULL, 
	prev_hash VARCHAR(64) NOT NULL, 
	hash VARCHAR(64) NOT NULL, school_id INTEGER, 
	PRIMARY KEY (id)
);
CREATE TABLE cases (
	id INTEGER NOT NULL, 
	item_id INTEGER NOT NULL, 
	title VARCHAR(500) NOT NULL, 
	period VARCHAR(16) NOT NULL, 
	pupil_id VARCHAR(32), 
	volume INTEGER NOT NULL, 
	opened_on DATE NOT NULL, 
	closed_on DATE, 
	room VARCHAR(64), 
	shelf VARCHAR(64), 
	box VARCHAR(64), 
	FOREIGN KEY(item_id) REFERENCES nomenclature_items (id), 
	FOREIGN KEY(pupil_id) REFERENCES pupils (id), 
	PRIMARY KEY (id), 
	UNIQUE (item_id, period, pupil_id, volume)
);
CREATE TABLE disposal_act_cases (
	id INTEGER NOT NULL, 
	act_id INTEGER NOT NULL, 
	case_id INTEGER NOT NULL, 
	position INTEGER NOT NULL, 
	title VARCHAR(600) NOT NULL, 
	dates VARCHAR(32) NOT NULL, 
	inventory VARCHAR(100) NOT NULL, 
	"index" VARCHAR(16) NOT NULL, 
	case_count INTEGER NOT NULL, 
	period TEXT NOT NULL, 
	note TEXT NOT NULL, 
	FOREIGN KEY(act_id) REFERENCES disposal_acts (id) ON DELETE CASCADE, 
	FOREIGN KEY(case_id) REFERENCES cases (id), 
	PRIMARY KEY (id), 
	UNIQUE (act_id, case_id)
);
CREATE TABLE disposal_act_subjects (
	id INTEGER NOT NULL, 
	act_id INTEGER NOT NULL, 
	pupil_id VARCHAR(32) NOT NULL, 
	full_name VARCHAR(300) NOT NULL, 
	categories TEXT NOT NULL, 
	sheets INTEGER NOT NULL, 
	cases TEXT NOT NULL, 
	document_ids TEXT NOT NULL, 
	FOREIGN KEY(act_id) REFERENCES disposal_acts (id) ON DELETE CASCADE, 
	PRIMARY KEY (id)
);
CREATE TABLE disposal_acts (
	id INTEGER NOT NULL, 
	school_id INTEGER NOT NULL, 
	year INTEGER NOT NULL, 
	number INTEGER NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	drafted_by VARCHAR(64) NOT NULL, 
	drafted_at DATETIME NOT NULL, 
	protocol_number VARCHAR(32), 
	protocol_date DATE, 
	commission TEXT NOT NULL, 
	reviewed_by VARCHAR(64), 
	reviewed_at DATETIME, 
	approved_by VARCHAR(64), 
	approved_at DATETIME, 
	executed_at DATETIME, 
	executed_by VARCHAR(64), 
	pdf_document_id VARCHAR(32), 
	error TEXT, 
	FOREIGN KEY(school_id) REFERENCES schools (id), 
	PRIMARY KEY (id), 
	UNIQUE (school_id, year, number)
);
CREATE TABLE document_events (
	id INTEGER NOT NULL, 
	document_id VARCHAR(32) NOT NULL, 
	at DATETIME NOT NULL, 
	kind VARCHAR(32) NOT NULL, 
	detail TEXT NOT NULL, 
	FOREIGN KEY(document_id) REFERENCES documents (id) ON DELETE CASCADE, 
	PRIMARY KEY (id)
);
CREATE TABLE document_pupils (
	document_id VARCHAR(32) NOT NULL, 
	pupil_id VARCHAR(32) NOT NULL, 
	FOREIGN KEY(document_id) REFERENCES documents (id) ON DELETE CASCADE, 
	FOREIGN KEY(pupil_id) REFERENCES pupils (id) ON DELETE CASCADE, 
	PRIMARY KEY (document_id, pupil_id)
);
CREATE TABLE "documents" (
	id VARCHAR(32) NOT NULL, 
	filename VARCHAR(255) NOT NULL, 
	title VARCHAR(500) NOT NULL, 
	media_type VARCHAR(128) NOT NULL, 
	size INTEGER NOT NULL, 
	sha256 VARCHAR(64) NOT NULL, 
	storage_key VARCHAR(500) NOT NULL, 
	page_count INTEGER NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	error TEXT, 
	searchable_pdf_key VARCHAR(500), 
	created_at DATETIME NOT NULL, 
	updated_at DATETIME NOT NULL, 
	archived_at DATETIME, 
	finalize_requested_at DATETIME, 
	nomenclature_item_id INTEGER, 
	school_year VARCHAR(9), 
	class_label VARCHAR(8), 
	document_date DATE, 
	subject VARCHAR(100), 
	case_id INTEGER, 
	filed_at DATETIME, 
	cover_payload TEXT, 
	health_data BOOLEAN DEFAULT 0 NOT NULL, 
	school_id INTEGER, 
	locked_until DATETIME, 
	legal_hold BOOLEAN DEFAULT 0 NOT NULL, 
	destroyed_at DATETIME, 
	act_id INTEGER, damage TEXT, 
	CONSTRAINT fk_documents_act_id FOREIGN KEY(act_id) REFERENCES disposal_acts (id), 
	CONSTRAINT fk_documents_case_id FOREIGN KEY(case_id) REFERENCES cases (id), 
	CONSTRAINT fk_documents_nomenclature_item_id FOREIGN KEY(nomenclature_item_id) REFERENCES nomenclature_items (id), 
	CONSTRAINT fk_documents_school_id FOREIGN KEY(school_id) REFERENCES schools (id), 
	PRIMARY KEY (id)
);
CREATE TABLE holds (
	id INTEGER NOT NULL, 
	school_id INTEGER NOT NULL, 
	case_id INTEGER, 
	pupil_id VARCHAR(32), 
	item_index VARCHAR(16), 
	reason TEXT NOT NULL, 
	set_by VARCHAR(64) NOT NULL, 
	set_at DATETIME NOT NULL, 
	lifted_by VARCHAR(64), 
	lifted_at DATETIME, 
	lift_reason TEXT, 
	FOREIGN KEY(case_id) REFERENCES cases (id), 
	FOREIGN KEY(pupil_id) REFERENCES pupils (id), 
	FOREIGN KEY(school_id) REFERENCES schools (id), 
	PRIMARY KEY (id)
);
CREATE TABLE index_outbox (
	id INTEGER NOT NULL, 
	document_id VARCHAR(32) NOT NULL, 
	operation VARCHAR(16) NOT NULL, 
	created_at DATETIME NOT NULL, 
	attempts INTEGER NOT NULL, 
	last_error TEXT, 
	PRIMARY KEY (id)
);
CREATE TABLE journal_marks (
	id INTEGER NOT NULL, 
	document_id VARCHAR(32) NOT NULL, 
	school_id INTEGER NOT NULL, 
	pupil_id VARCHAR(32), 
	pupil_name VARCHAR(300) NOT NULL, 
	school_year VARCHAR(9) NOT NULL, 
	class_label VARCHAR(8) NOT NULL, 
	subject VARCHAR(100) NOT NULL, 
	kind VARCHAR(8) NOT NULL, 
	label VARCHAR(100) NOT NULL, 
	"on" DATE, 
	mark VARCHAR(16) NOT NULL, 
	FOREIGN KEY(document_id) REFERENCES documents (id) ON DELETE CASCADE, 
	FOREIGN KEY(pupil_id) REFERENCES pupils (id) ON DELETE SET NULL, 
	FOREIGN KEY(school_id) REFERENCES schools (id), 
	PRIMARY KEY (id)
);
CREATE TABLE metadata_proposals (
	id INTEGER NOT NULL, 
	document_id VARCHAR(32) NOT NULL, 
	field VARCHAR(16) NOT NULL, 
	value VARCHAR(500) NOT NULL, 
	label VARCHAR(500) NOT NULL, 
	score DOUBLE NOT NULL, 
	evidence TEXT NOT NULL, doubt TEXT, 
	FOREIGN KEY(document_id) REFERENCES documents (id) ON DELETE CASCADE, 
	PRIMARY KEY (id)
);
CREATE TABLE nomenclature_items (
	id INTEGER NOT NULL, 
	nomenclature_id INTEGER NOT NULL, 
	"index" VARCHAR(16) NOT NULL, 
	title VARCHAR(500) NOT NULL, 
	retention_kind VARCHAR(16) NOT NULL, 
	retention_years INTEGER, 
	review_date DATE, 
	epk BOOLEAN NOT NULL, 
	basis TEXT NOT NULL, 
	closes VARCHAR(16) NOT NULL, 
	event VARCHAR(32), 
	note TEXT NOT NULL, 
	keywords TEXT NOT NULL, 
	case_count INTEGER, 
	FOREIGN KEY(nomenclature_id) REFERENCES nomenclatures (id) ON DELETE CASCADE, 
	PRIMARY KEY (id), 
	UNIQUE (nomenclature_id, "index")
);
CREATE TABLE nomenclatures (
	id INTEGER NOT NULL, 
	school_id INTEGER NOT NULL, 
	year INTEGER NOT NULL, 
	version INTEGER NOT NULL, 
	created_at DATETIME NOT NULL, 
	source VARCHAR(255) NOT NULL, 
	FOREIGN KEY(school_id) REFERENCES schools (id), 
	PRIMARY KEY (id), 
	UNIQUE (school_id, year, version)
);
CREATE TABLE pages (
	id INTEGER NOT NULL, 
	document_id VARCHAR(32) NOT NULL, 
	number INTEGER NOT NULL, 
	state VARCHAR(16) NOT NULL, 
	source VARCHAR(16), 
	text TEXT NOT NULL, 
	confidence DOUBLE, 
	rotation INTEGER NOT NULL, 
	width INTEGER, 
	height INTEGER, 
	preview_key VARCHAR(500), 
	error TEXT, preview_sha256 VARCHAR(64), text_sha256 VARCHAR(64), pdf_sha256 VARCHAR(64), 
	FOREIGN KEY(document_id) REFERENCES documents (id) ON DELETE CASCADE, 
	PRIMARY KEY (id), 
	UNIQUE (document_id, number)
);
CREATE TABLE pupil_classes (
	id INTEGER NOT NULL, 
	pupil_id VARCHAR(32) NOT NULL, 
	school_year VARCHAR(9) NOT NULL, 
	class_label VARCHAR(8) NOT NULL, 
	FOREIGN KEY(pupil_id) REFERENCES pupils (id) ON DELETE CASCADE, 
	PRIMARY KEY (id), 
	UNIQUE (pupil_id, school_year)
);
CREATE TABLE pupil_events (
	id INTEGER NOT NULL, 
	pupil_id VARCHAR(32) NOT NULL, 
	kind VARCHAR(24) NOT NULL, 
	"on" DATE NOT NULL, 
	basis VARCHAR(255) NOT NULL, 
	FOREIGN KEY(pupil_id) REFERENCES pupils (id) ON DELETE CASCADE, 
	PRIMARY KEY (id)
);
CREATE TABLE pupil_transfers (
	id INTEGER NOT NULL, 
	school_id INTEGER NOT NULL, 
	pupil_id VARCHAR(32) NOT NULL, 
	year INTEGER NOT NULL, 
	number INTEGER NOT NULL, 
	application_date DATE NOT NULL, 
	applicant VARCHAR(300) NOT NULL, 
	applicant_document VARCHAR(300) NOT NULL, 
	destination VARCHAR(500) NOT NULL, 
	order_number VARCHAR(32) NOT NULL, 
	order_date DATE NOT NULL, 
	issued_at DATETIME NOT NULL, 
	issued_by VARCHAR(64) NOT NULL, 
	documents INTEGER NOT NULL, 
	sheets INTEGER NOT NULL, application_document_id VARCHAR(32), notice_on DATE, notice TEXT, notice_document_id VARCHAR(32), 
	FOREIGN KEY(pupil_id) REFERENCES pupils (id), 
	FOREIGN KEY(school_id) REFERENCES schools (id), 
	PRIMARY KEY (id), 
	UNIQUE (school_id, year, number)
);
CREATE TABLE pupils (
	id VARCHAR(32) NOT NULL, 
	school_id INTEGER NOT NULL, 
	surname VARCHAR(100) NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	patronymic VARCHAR(100), 
	birth_date DATE, 
	FOREIGN KEY(school_id) REFERENCES schools (id), 
	PRIMARY KEY (id)
);
CREATE TABLE school_moves (
	id VARCHAR(32) NOT NULL, 
	direction VARCHAR(8) NOT NULL, 
	school_id INTEGER, 
	school_name VARCHAR(255) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	done INTEGER NOT NULL, 
	total INTEGER NOT NULL, 
	attempts INTEGER NOT NULL, 
	storage_key VARCHAR(500), 
	size BIGINT NOT NULL, 
	report TEXT NOT NULL, 
	error TEXT, 
	requested_by VARCHAR(64) NOT NULL, 
	requester_role VARCHAR(32) NOT NULL, 
	requester_address VARCHAR(64) NOT NULL, 
	created_at DATETIME NOT NULL, 
	finished_at DATETIME, 
	CONSTRAINT fk_school_moves_school_id FOREIGN KEY(school_id) REFERENCES schools (id), 
	PRIMARY KEY (id)
);
CREATE TABLE "schools" (
	id INTEGER NOT NULL, 
	name VARCHAR(500) NOT NULL, 
	merged_into_id INTEGER, address TEXT, 
	CONSTRAINT fk_schools_merged_into FOREIGN KEY(merged_into_id) REFERENCES schools (id), 
	PRIMARY KEY (id), 
	UNIQUE (name)
);
CREATE TABLE "stacks" (
	id VARCHAR(32) NOT NULL, 
	filename VARCHAR(255) NOT NULL, 
	media_type VARCHAR(64) NOT NULL, 
	storage_key VARCHAR(500) NOT NULL, 
	page_count INTEGER NOT NULL, 
	pages_read INTEGER NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	error TEXT, 
	report TEXT NOT NULL, 
	uploaded_by VARCHAR(64) NOT NULL, 
	uploader_role VARCHAR(32) NOT NULL, 
	uploader_address VARCHAR(64) NOT NULL, 
	created_at DATETIME NOT NULL, 
	finished_at DATETIME, 
	school_id INTEGER, 
	CONSTRAINT fk_stacks_school_id FOREIGN KEY(school_id) REFERENCES schools (id), 
	PRIMARY KEY (id)
);
CREATE TABLE "users" (
	id INTEGER NOT NULL, 
	username VARCHAR(64) NOT NULL, 
	password_hash VARCHAR(255) NOT NULL, 
	role VARCHAR(32) NOT NULL, 
	created_at DATETIME NOT NULL, 
	classes VARCHAR(255) DEFAULT ('') NOT NULL, 
	failed_logins INTEGER DEFAULT '0' NOT NULL, 
	locked_until DATETIME, 
	school_id INTEGER, 
	CONSTRAINT fk_users_school_id FOREIGN KEY(school_id) REFERENCES schools (id), 
	PRIMARY KEY (id), 
	UNIQUE (username)
);
CREATE TABLE web_sessions (
	id INTEGER NOT NULL, 
	user_id INTEGER NOT NULL, 
	token_hash VARCHAR(64) NOT NULL, 
	created_at DATETIME NOT NULL, 
	expires_at DATETIME NOT NULL, 
	revoked_at DATETIME, 
	FOREIGN KEY(user_id) REFERENCES users (id) ON DELETE CASCADE, 
	PRIMARY KEY (id), 
	UNIQUE (token_hash)
);
CREATE INDEX ix_api_tokens_user_id ON api_tokens (user_id);
CREATE INDEX ix_audit_log_actor ON audit_log (actor);
CREATE INDEX ix_audit_log_school_id ON audit_log (school_id);
CREATE INDEX ix_audit_log_target ON audit_log (target);
CREATE INDEX ix_cases_item_id ON cases (item_id);
CREATE INDEX ix_cases_pupil_id ON cases (pupil_id);
CREATE INDEX ix_disposal_act_cases_case_id ON disposal_act_cases (case_id);
CREATE INDEX ix_disposal_act_subjects_act_id ON disposal_act_subjects (act_id);
CREATE INDEX ix_disposal_acts_school_id ON disposal_acts (school_id);
CREATE INDEX ix_document_events_document_id ON document_events (document_id);
CREATE INDEX ix_document_pupils_pupil_id ON document_pupils (pupil_id);
CREATE INDEX ix_documents_case_id ON documents (case_id);
CREATE INDEX ix_documents_nomenclature_item_id ON documents (nomenclature_item_id);
CREATE INDEX ix_documents_school_id ON documents (school_id);
CREATE INDEX ix_documents_status ON documents (status);
CREATE INDEX ix_holds_case_id ON holds (case_id);
CREATE INDEX ix_holds_pupil_id ON holds (pupil_id);
CREATE INDEX ix_holds_school_id ON holds (school_id);
CREATE INDEX ix_index_outbox_document_id ON index_outbox (document_id);
CREATE INDEX ix_journal_marks_document_id ON journal_marks (document_id);
CREATE INDEX ix_journal_marks_pupil_id ON journal_marks (pupil_id);
CREATE INDEX ix_journal_marks_school_id ON journal_marks (school_id);
CREATE INDEX ix_metadata_proposals_document_id ON metadata_proposals (document_id);
CREATE INDEX ix_nomenclature_items_nomenclature_id ON nomenclature_items (nomenclature_id);
CREATE INDEX ix_nomenclatures_school_id ON nomenclatures (school_id);
CREATE INDEX ix_pupil_classes_pupil_id ON pupil_classes (pupil_id);
CREATE INDEX ix_pupil_events_pupil_id ON pupil_events (pupil_id);
CREATE INDEX ix_pupil_transfers_pupil_id ON pupil_transfers (pupil_id);
CREATE INDEX ix_pupil_transfers_school_id ON pupil_transfers (school_id);
CREATE INDEX ix_pupils_school_id ON pupils (school_id);
CREATE INDEX ix_pupils_surname ON pupils (surname);
CREATE INDEX ix_web_sessions_user_id ON web_sessions (user_id);
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE UNIQUE INDEX ix_documents_sha256 ON documents (sha256);
COMMIT;
