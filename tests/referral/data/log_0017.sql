-- A referral log written by clinic-triage at schema 0017_meter_operator_lists (commit a94514221e07,
-- before migrations 0018/0019), dumped with sqlite3's iterdump: facilities with a clinic id,
-- a patient, an encounter with two observations (one converted from mg/dL), an assessment, a sent
-- referral, two users (one disabled) and two API tokens (one revoked). tests/referral/test_audit_rows_upgrade.py
-- loads it to check that an older log upgrades and verifies, and that edits are found after it.
BEGIN TRANSACTION;
CREATE TABLE "_sqlite_migrations" (
   "id" INTEGER PRIMARY KEY,
   "migration_set" TEXT,
   "name" TEXT,
   "applied_at" TEXT
);
INSERT INTO "_sqlite_migrations" VALUES(1,'clinic','0001_core','2026-12-05 08:00:27.172188+00:00');
INSERT INTO "_sqlite_migrations" VALUES(2,'clinic','0002_referrals','2026-12-05 08:00:27.172578+00:00');
INSERT INTO "_sqlite_migrations" VALUES(3,'clinic','0003_audit','2026-12-05 08:00:27.172802+00:00');
INSERT INTO "_sqlite_migrations" VALUES(4,'clinic','0004_users','2026-12-05 08:00:27.173058+00:00');
INSERT INTO "_sqlite_migrations" VALUES(5,'clinic','0005_device_inbox','2026-12-05 08:00:27.173453+00:00');
INSERT INTO "_sqlite_migrations" VALUES(6,'clinic','0006_device_associations','2026-12-05 08:00:27.173699+00:00');
INSERT INTO "_sqlite_migrations" VALUES(7,'clinic','0007_staff_sessions','2026-12-05 08:00:27.174118+00:00');
INSERT INTO "_sqlite_migrations" VALUES(8,'clinic','0008_device_result_review','2026-12-05 08:00:27.174327+00:00');
INSERT INTO "_sqlite_migrations" VALUES(9,'clinic','0009_device_results_received','2026-12-05 08:00:27.174457+00:00');
INSERT INTO "_sqlite_migrations" VALUES(10,'clinic','0010_device_association_expiry','2026-12-05 08:00:27.176009+00:00');
INSERT INTO "_sqlite_migrations" VALUES(11,'clinic','0011_observation_corrections','2026-12-05 08:00:27.176266+00:00');
INSERT INTO "_sqlite_migrations" VALUES(12,'clinic','0012_device_results_qc','2026-12-05 08:00:27.176400+00:00');
INSERT INTO "_sqlite_migrations" VALUES(13,'clinic','0013_referral_basis_changes','2026-12-05 08:00:27.176648+00:00');
INSERT INTO "_sqlite_migrations" VALUES(14,'clinic','0014_encounter_close','2026-12-05 08:00:27.177827+00:00');
INSERT INTO "_sqlite_migrations" VALUES(15,'clinic','0015_encounter_context','2026-12-05 08:00:27.178327+00:00');
INSERT INTO "_sqlite_migrations" VALUES(16,'clinic','0016_observation_reported','2026-12-05 08:00:27.183342+00:00');
INSERT INTO "_sqlite_migrations" VALUES(17,'clinic','0017_meter_operator_lists','2026-12-05 08:00:27.183570+00:00');
CREATE TABLE api_tokens (
    token_sha256 TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES users(username),
    label TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
) STRICT;
INSERT INTO "api_tokens" VALUES('aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa','admin1','lab bridge','2026-12-05T08:00:27.227+00:00',NULL);
INSERT INTO "api_tokens" VALUES('bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb','nurse1','old tablet','2026-12-05T08:00:27.229+00:00','2026-12-05T08:00:27.230+00:00');
CREATE TABLE assessments (
    id INTEGER PRIMARY KEY,
    encounter_id INTEGER NOT NULL REFERENCES encounters(id),
    idempotency_key TEXT UNIQUE,
    request_sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    disposition TEXT NOT NULL CHECK (disposition IN ('emergency_transfer', 'urgent_referral', 'routine_referral', 'local_care', 'insufficient_data')),
    urgency_rank INTEGER NOT NULL,
    target_tier TEXT CHECK (target_tier IN ('primary', 'secondary', 'tertiary')),
    policy_version TEXT NOT NULL,
    engine_version TEXT NOT NULL,
    model_versions TEXT NOT NULL,
    news2 INTEGER,
    red_flags TEXT NOT NULL,
    risks TEXT NOT NULL,
    digital INTEGER NOT NULL DEFAULT 1 CHECK (digital IN (0, 1)),
    payload TEXT NOT NULL
) STRICT;
INSERT INTO "assessments" VALUES(1,1,NULL,'e1c31076f97107233251db043345e5382905ae8290476ca04d001c89c6f97b88','2026-12-05T08:00:27.215+00:00','engine','urgent_referral',1,'secondary','policy-2026.1','0.1.0','{}',5,'["spo2_below_92"]','{}',1,'{"disposition":"urgent_referral"}');
CREATE TABLE audit (
    seq INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL CHECK (length(actor) > 0),
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    data TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
) STRICT;
INSERT INTO "audit" VALUES(1,'2026-12-05T08:00:27.195+00:00','admin','facility.create','facility','ZJ-C01','loaded from demo_facilities.csv','{"beds":20,"capacity":80,"digital_triage_start":"2024-03-01","id":"ZJ-C01","lat":29.7935,"lon":119.6912,"name":"Synthetic Meadow Township Health Centre (fictional)","region_code":"330122","synthetic":1,"tier":"primary"}','0000000000000000000000000000000000000000000000000000000000000000','d977fdd6ae4c7e30b0f2bdb980f8c9c515eafef7ae85d054bf08f1e457c4ebfd');
INSERT INTO "audit" VALUES(2,'2026-12-05T08:00:27.195+00:00','admin','facility.create','facility','ZJ-C02','loaded from demo_facilities.csv','{"beds":16,"capacity":60,"digital_triage_start":"2024-09-15","id":"ZJ-C02","lat":29.8551,"lon":119.5473,"name":"Synthetic Riverbend Township Health Centre (fictional)","region_code":"330122","synthetic":1,"tier":"primary"}','d977fdd6ae4c7e30b0f2bdb980f8c9c515eafef7ae85d054bf08f1e457c4ebfd','3b3aaa3cb869efafcab9b1cd6bfc3c0974d60ed46773a659f2029f31db8c489e');
INSERT INTO "audit" VALUES(3,'2026-12-05T08:00:27.195+00:00','admin','facility.create','facility','ZJ-C03','loaded from demo_facilities.csv','{"beds":12,"capacity":45,"digital_triage_start":null,"id":"ZJ-C03","lat":29.6093,"lon":119.0421,"name":"Synthetic Pine Hill Community Clinic (fictional)","region_code":"330127","synthetic":1,"tier":"primary"}','3b3aaa3cb869efafcab9b1cd6bfc3c0974d60ed46773a659f2029f31db8c489e','02bdced2a882d4c24d6850de96ef8846c1bee21ab38de833dc553810008edafe');
INSERT INTO "audit" VALUES(4,'2026-12-05T08:00:27.195+00:00','admin','facility.create','facility','ZJ-C04','loaded from demo_facilities.csv','{"beds":8,"capacity":30,"digital_triage_start":"2025-01-10","id":"ZJ-C04","lat":29.5337,"lon":118.9105,"name":"Synthetic Lakeside Village Clinic (fictional)","region_code":"330127","synthetic":1,"tier":"primary"}','02bdced2a882d4c24d6850de96ef8846c1bee21ab38de833dc553810008edafe','61e044d89ac881fdc19a034833bb35168fba12230f9c5e3ff86890e4beedbd23');
INSERT INTO "audit" VALUES(5,'2026-12-05T08:00:27.195+00:00','admin','facility.create','facility','ZJ-C05','loaded from demo_facilities.csv','{"beds":24,"capacity":90,"digital_triage_start":"2024-06-01","id":"ZJ-C05","lat":30.4212,"lon":119.9463,"name":"Synthetic Bamboo Valley Health Centre (fictional)","region_code":"330110","synthetic":1,"tier":"primary"}','61e044d89ac881fdc19a034833bb35168fba12230f9c5e3ff86890e4beedbd23','a5072be7f9f006e9dcd8acdaaa2658781dc10226eae4339544628e07fa225dae');
INSERT INTO "audit" VALUES(6,'2026-12-05T08:00:27.195+00:00','admin','facility.create','facility','ZJ-S01','loaded from demo_facilities.csv','{"beds":420,"capacity":1500,"digital_triage_start":null,"id":"ZJ-S01","lat":29.8003,"lon":119.6858,"name":"Synthetic County People''s Hospital (fictional)","region_code":"330122","synthetic":1,"tier":"secondary"}','a5072be7f9f006e9dcd8acdaaa2658781dc10226eae4339544628e07fa225dae','6467abb79746087a43957ecfd546246d414c68c08b92fdb05d27c427c69e98d2');
INSERT INTO "audit" VALUES(7,'2026-12-05T08:00:27.195+00:00','admin','facility.create','facility','ZJ-S02','loaded from demo_facilities.csv','{"beds":260,"capacity":900,"digital_triage_start":null,"id":"ZJ-S02","lat":29.6091,"lon":119.0447,"name":"Synthetic County Traditional Medicine Hospital (fictional)","region_code":"330127","synthetic":1,"tier":"secondary"}','6467abb79746087a43957ecfd546246d414c68c08b92fdb05d27c427c69e98d2','fa796f2eaca096f73842c8292ec5aa20a4f3466fce31fb050a1a0a78833f2d5c');
INSERT INTO "audit" VALUES(8,'2026-12-05T08:00:27.195+00:00','admin','facility.create','facility','ZJ-T01','loaded from demo_facilities.csv','{"beds":2100,"capacity":9000,"digital_triage_start":null,"id":"ZJ-T01","lat":30.2744,"lon":120.1301,"name":"Synthetic Provincial University Hospital (fictional)","region_code":"330106","synthetic":1,"tier":"tertiary"}','fa796f2eaca096f73842c8292ec5aa20a4f3466fce31fb050a1a0a78833f2d5c','8bc68ee89571c7a5b48970259340010d9731866e959bfc2b124e90b5a838c89c');
INSERT INTO "audit" VALUES(9,'2026-12-05T08:00:27.195+00:00','admin','facility.create','facility','ZJ-T02','loaded from demo_facilities.csv','{"beds":1600,"capacity":7000,"digital_triage_start":null,"id":"ZJ-T02","lat":30.2591,"lon":120.1712,"name":"Synthetic City First Hospital (fictional)","region_code":"330102","synthetic":1,"tier":"tertiary"}','8bc68ee89571c7a5b48970259340010d9731866e959bfc2b124e90b5a838c89c','b44bda4b0609ac247426dbf7f3945f3003e5278231c4ca8c4d519f8510d9fa6d');
INSERT INTO "audit" VALUES(10,'2026-12-05T08:00:27.198+00:00','nurse1','patient.create','patient','1','registration','{"birth_date":"1960-02-03","mrn":"MRN-1","name":"Old Patient","pseudo_id":"7acf9c24ac994d15e187dfb5f60dc250","sex":"female"}','b44bda4b0609ac247426dbf7f3945f3003e5278231c4ca8c4d519f8510d9fa6d','fdb034906e2c3a48378dddd307918a867d75e1d648718e4078642385880f842a');
INSERT INTO "audit" VALUES(11,'2026-12-05T08:00:27.206+00:00','nurse1','encounter.create','encounter','1','visit','{"age_years":66,"created_by":"nurse1","day":"2026-05-01","facility_id":"ZJ-C01","idempotency_key":null,"patient_id":1,"started_at":"2026-05-01T09:00:00+08:00"}','fdb034906e2c3a48378dddd307918a867d75e1d648718e4078642385880f842a','36a61c65a153d599339680bd6c720cda79de7133a7f83e0720387369bddc3b31');
INSERT INTO "audit" VALUES(12,'2026-12-05T08:00:27.210+00:00','nurse1','observations.create','encounter','1','vitals','{"observation_ids":[1,2],"observations":[{"code":"glucose_random","comparator":null,"device":"meter-1","device_message_id":null,"observed_at":"2026-05-01T09:05:00+08:00","qc":null,"reported_unit":"mg/dL","reported_value":504.0,"status":"final","unit":"mmol/L","value_num":27.975133215,"value_text":null},{"code":"spo2","comparator":null,"device":null,"device_message_id":null,"observed_at":"2026-05-01T09:06:00+08:00","qc":null,"reported_unit":null,"reported_value":null,"status":"final","unit":"%","value_num":90.0,"value_text":null}]}','36a61c65a153d599339680bd6c720cda79de7133a7f83e0720387369bddc3b31','c6ab7194f2781dac8b980360c98b577671253573b752361da749b1ac8d4d45f6');
INSERT INTO "audit" VALUES(13,'2026-12-05T08:00:27.215+00:00','engine','assessment.create','assessment','1','triage','{"created_at":"2026-12-05T08:00:27.215+00:00","created_by":"engine","digital":1,"disposition":"urgent_referral","encounter_id":1,"engine_version":"0.1.0","idempotency_key":null,"model_versions":"{}","news2":5,"payload_sha256":"8e428c86d85df915bf73bcf239a20e3288a70e914b202850eb2169d764a98a52","policy_version":"policy-2026.1","red_flags":"[\"spo2_below_92\"]","request_sha256":"e1c31076f97107233251db043345e5382905ae8290476ca04d001c89c6f97b88","risks":"{}","target_tier":"secondary","urgency_rank":1}','c6ab7194f2781dac8b980360c98b577671253573b752361da749b1ac8d4d45f6','d9db62cdb1a3b4ccd5abd70383590d8137729cf4da0ee717a4fb6eecf53a29d3');
INSERT INTO "audit" VALUES(14,'2026-12-05T08:00:27.216+00:00','dr_li','referral.create','referral','1','SpO2 90','{"assessment_id":1,"created_at":"2026-12-05T08:00:27.216+00:00","created_by":"dr_li","encounter_id":1,"from_facility":"ZJ-C01","idempotency_key":null,"reason":"SpO2 90","status":"proposed","to_facility":"ZJ-S01","updated_at":"2026-12-05T08:00:27.216+00:00","urgency":"urgent"}','d9db62cdb1a3b4ccd5abd70383590d8137729cf4da0ee717a4fb6eecf53a29d3','3788e4e1b2c65d21ba4432743e0a53136109beabbc785b29df0ff4795a92ac7d');
INSERT INTO "audit" VALUES(15,'2026-12-05T08:00:27.222+00:00','dr_li','referral.sent','referral','1','referral sent','{"at":"2026-12-05T08:00:27.222+00:00","from":"proposed","to":"sent"}','3788e4e1b2c65d21ba4432743e0a53136109beabbc785b29df0ff4795a92ac7d','09dc5d5d148f61c53d885d550f23e342cad96ad9c1e77d6df8a3335dee3b816c');
INSERT INTO "audit" VALUES(16,'2026-12-05T08:00:27.224+00:00','first-run-setup','user.create','user','admin1','account created','{"language":"en","role":"admin"}','09dc5d5d148f61c53d885d550f23e342cad96ad9c1e77d6df8a3335dee3b816c','642863cdce9266dd8ac0942a692e0f0ceb822ef29e9d48ac465db8af16461581');
INSERT INTO "audit" VALUES(17,'2026-12-05T08:00:27.226+00:00','admin1','user.create','user','nurse1','account created','{"language":"en","role":"nurse"}','642863cdce9266dd8ac0942a692e0f0ceb822ef29e9d48ac465db8af16461581','567eaf9b1b0da9ef77d5ed01a37337356ba7d680a151c622cc12155b375e0bfc');
INSERT INTO "audit" VALUES(18,'2026-12-05T08:00:27.227+00:00','admin1','token.create','user','admin1','API token issued','{"label":"lab bridge","token_sha256_prefix":"aaaaaaaa"}','567eaf9b1b0da9ef77d5ed01a37337356ba7d680a151c622cc12155b375e0bfc','09ab553d9b18afcec9aee37f217d5dc1b7eec2831e6d0ae2a3882d6bdd92e6b5');
INSERT INTO "audit" VALUES(19,'2026-12-05T08:00:27.229+00:00','admin1','token.create','user','nurse1','API token issued','{"label":"old tablet","token_sha256_prefix":"bbbbbbbb"}','09ab553d9b18afcec9aee37f217d5dc1b7eec2831e6d0ae2a3882d6bdd92e6b5','1167daa427454d1eb18e4f8b948bfaa9d0af5d363d9253b1f48bfd9186679867');
INSERT INTO "audit" VALUES(20,'2026-12-05T08:00:27.230+00:00','admin1','token.revoke','user','nurse1','API token revoked','{"token_sha256_prefix":"bbbbbbbb"}','1167daa427454d1eb18e4f8b948bfaa9d0af5d363d9253b1f48bfd9186679867','0bf7021ed25ad52336e2f4bfbf56cbad371805317f257cfe6819fedb4b46fc5b');
INSERT INTO "audit" VALUES(21,'2026-12-05T08:00:27.234+00:00','admin1','user.disable','user','nurse1','account status changed','{"disabled":true}','0bf7021ed25ad52336e2f4bfbf56cbad371805317f257cfe6819fedb4b46fc5b','b22ddd9931d5a5f0cedbbefa9cbc95ec584e48d98f676d52a67020b174761445');
CREATE TABLE "device_associations" (
    id INTEGER PRIMARY KEY,
    device_id TEXT NOT NULL CHECK (length(device_id) > 0),
    encounter_id INTEGER NOT NULL REFERENCES encounters(id),
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    started_at TEXT NOT NULL,
    started_by TEXT NOT NULL CHECK (length(started_by) > 0),
    expires_at TEXT,
    ended_at TEXT,
    ended_by TEXT,
    end_reason TEXT,
    CHECK ((ended_at IS NULL) = (ended_by IS NULL)),
    CHECK ((ended_at IS NULL) = (end_reason IS NULL)),
    CHECK (ended_at IS NULL OR ended_at >= started_at),
    CHECK (ended_at IS NOT NULL OR expires_at IS NOT NULL),
    CHECK (expires_at IS NULL OR expires_at > started_at)
) STRICT;
CREATE TABLE device_messages (
    id INTEGER PRIMARY KEY,
    device_id TEXT NOT NULL CHECK (length(device_id) > 0),
    session_id TEXT NOT NULL,
    protocol TEXT NOT NULL,
    received_at TEXT NOT NULL,
    raw BLOB NOT NULL,
    sha256 TEXT NOT NULL,
    parsed TEXT,
    state TEXT NOT NULL CHECK (state IN ('accepted', 'quarantined')),
    reason TEXT,
    result_count INTEGER NOT NULL DEFAULT 0,
    duplicate_count INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE TABLE device_quarantine (
    id INTEGER PRIMARY KEY,
    message_id INTEGER REFERENCES device_messages(id),
    device_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    protocol TEXT NOT NULL,
    received_at TEXT NOT NULL,
    raw BLOB NOT NULL,
    reason TEXT NOT NULL,
    byte_offset INTEGER
) STRICT;
CREATE TABLE device_result_reviews (
    result_id INTEGER PRIMARY KEY REFERENCES device_results(id),
    state TEXT NOT NULL CHECK (state IN ('assigned', 'dismissed')),
    encounter_id INTEGER REFERENCES encounters(id),
    observation_id INTEGER REFERENCES observations(id),
    reviewed_by TEXT NOT NULL CHECK (length(reviewed_by) > 0),
    reviewed_at TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    CHECK ((state = 'assigned') = (encounter_id IS NOT NULL)),
    CHECK (state = 'assigned' OR observation_id IS NULL)
) STRICT;
CREATE TABLE device_results (
    id INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES device_messages(id),
    device_id TEXT NOT NULL,
    sample_id TEXT NOT NULL,
    vendor_code TEXT NOT NULL,
    result_time TEXT NOT NULL,
    patient_id TEXT,
    code TEXT,
    value TEXT,
    value_num REAL,
    comparator TEXT,
    unit TEXT,
    status TEXT NOT NULL,
    is_qc INTEGER NOT NULL CHECK (is_qc IN (0, 1)),
    flags TEXT,
    details TEXT,
    received_at TEXT NOT NULL,
    delivered_at TEXT
) STRICT;
CREATE TABLE encounters (
    id INTEGER PRIMARY KEY,
    patient_id INTEGER NOT NULL REFERENCES patients(id),
    facility_id TEXT REFERENCES facilities(id),
    started_at TEXT NOT NULL,
    day TEXT NOT NULL,
    age_years INTEGER CHECK (age_years BETWEEN 0 AND 130),
    idempotency_key TEXT UNIQUE,
    created_by TEXT NOT NULL
, closed_at TEXT, closed_by TEXT, close_reason TEXT CHECK (
    (closed_at IS NULL) = (closed_by IS NULL)
    AND (closed_at IS NULL) = (close_reason IS NULL)
    AND (closed_by IS NULL OR length(trim(closed_by)) > 0)
    AND (close_reason IS NULL OR length(trim(close_reason)) > 0)
), context TEXT CHECK (
    context IS NULL OR (json_valid(context) AND json_type(context) = 'object')
)) STRICT;
INSERT INTO "encounters" VALUES(1,1,'ZJ-C01','2026-05-01T09:00:00+08:00','2026-05-01',66,NULL,'nurse1',NULL,NULL,NULL,NULL);
CREATE TABLE facilities (
    id TEXT PRIMARY KEY CHECK (length(id) > 0),
    name TEXT NOT NULL CHECK (length(name) > 0),
    tier TEXT NOT NULL CHECK (tier IN ('primary', 'secondary', 'tertiary')),
    region_code TEXT NOT NULL CHECK (length(region_code) > 0),
    lon REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    lat REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    beds INTEGER NOT NULL CHECK (beds >= 0),
    capacity INTEGER NOT NULL CHECK (capacity >= 0),
    digital_triage_start TEXT,
    synthetic INTEGER NOT NULL DEFAULT 0 CHECK (synthetic IN (0, 1))
) STRICT;
INSERT INTO "facilities" VALUES('ZJ-C01','Synthetic Meadow Township Health Centre (fictional)','primary','330122',119.6912,29.7935,20,80,'2024-03-01',1);
INSERT INTO "facilities" VALUES('ZJ-C02','Synthetic Riverbend Township Health Centre (fictional)','primary','330122',119.5473,29.8551,16,60,'2024-09-15',1);
INSERT INTO "facilities" VALUES('ZJ-C03','Synthetic Pine Hill Community Clinic (fictional)','primary','330127',119.0421,29.6093,12,45,NULL,1);
INSERT INTO "facilities" VALUES('ZJ-C04','Synthetic Lakeside Village Clinic (fictional)','primary','330127',118.9105,29.5337,8,30,'2025-01-10',1);
INSERT INTO "facilities" VALUES('ZJ-C05','Synthetic Bamboo Valley Health Centre (fictional)','primary','330110',119.9463,30.4212,24,90,'2024-06-01',1);
INSERT INTO "facilities" VALUES('ZJ-S01','Synthetic County People''s Hospital (fictional)','secondary','330122',119.6858,29.8003,420,1500,NULL,1);
INSERT INTO "facilities" VALUES('ZJ-S02','Synthetic County Traditional Medicine Hospital (fictional)','secondary','330127',119.0447,29.6091,260,900,NULL,1);
INSERT INTO "facilities" VALUES('ZJ-T01','Synthetic Provincial University Hospital (fictional)','tertiary','330106',120.1301,30.2744,2100,9000,NULL,1);
INSERT INTO "facilities" VALUES('ZJ-T02','Synthetic City First Hospital (fictional)','tertiary','330102',120.1712,30.2591,1600,7000,NULL,1);
CREATE TABLE meter_operator_lists (
    device_id TEXT NOT NULL CHECK (length(device_id) > 0),
    meter TEXT NOT NULL CHECK (length(meter) > 0),
    digest TEXT NOT NULL CHECK (length(digest) = 64),
    operators INTEGER NOT NULL CHECK (operators >= 0),
    acknowledged_at TEXT NOT NULL,
    PRIMARY KEY (device_id, meter)
) STRICT
;
CREATE TABLE observation_corrections (
    id INTEGER PRIMARY KEY,
    encounter_id INTEGER NOT NULL REFERENCES encounters(id),
    result_id INTEGER NOT NULL REFERENCES device_results(id),
    message_id INTEGER NOT NULL REFERENCES device_messages(id),
    replaces_id INTEGER UNIQUE REFERENCES observations(id),
    state TEXT NOT NULL CHECK (state IN ('applied', 'held')),
    correction_id INTEGER UNIQUE REFERENCES observations(id),
    old_value TEXT NOT NULL,
    new_value TEXT NOT NULL,
    held_reason TEXT,
    corrected_at TEXT NOT NULL,
    reviewed_by TEXT,
    reviewed_at TEXT,
    review_reason TEXT,
    CHECK ((state = 'applied') = (correction_id IS NOT NULL)),
    CHECK ((state = 'held') = (held_reason IS NOT NULL)),
    CHECK (state = 'held' OR reviewed_at IS NULL),
    CHECK ((reviewed_at IS NULL) = (reviewed_by IS NULL)),
    CHECK ((reviewed_at IS NULL) = (review_reason IS NULL))
) STRICT;
CREATE TABLE observations (
    id INTEGER PRIMARY KEY,
    encounter_id INTEGER NOT NULL REFERENCES encounters(id),
    code TEXT NOT NULL,
    value_num REAL,
    value_text TEXT,
    comparator TEXT CHECK (comparator IN ('<', '<=', '>', '>=')),
    unit TEXT,
    observed_at TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('final', 'preliminary', 'corrected', 'cancelled', 'entered_in_error')),
    qc TEXT,
    device TEXT,
    device_message_id TEXT
, reported_value REAL, reported_unit TEXT CHECK (
    (reported_value IS NULL) = (reported_unit IS NULL)
    AND (reported_unit IS NULL OR length(reported_unit) > 0)
)) STRICT;
INSERT INTO "observations" VALUES(1,1,'glucose_random',27.975133215,NULL,NULL,'mmol/L','2026-05-01T09:05:00+08:00','final',NULL,'meter-1',NULL,504.0,'mg/dL');
INSERT INTO "observations" VALUES(2,1,'spo2',90.0,NULL,NULL,'%','2026-05-01T09:06:00+08:00','final',NULL,NULL,NULL,NULL,NULL);
CREATE TABLE overrides (
    id INTEGER PRIMARY KEY,
    assessment_id INTEGER NOT NULL REFERENCES assessments(id),
    clinician TEXT NOT NULL CHECK (length(clinician) > 0),
    disposition TEXT NOT NULL CHECK (disposition IN ('emergency_transfer', 'urgent_referral', 'routine_referral', 'local_care', 'insufficient_data')),
    reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    created_at TEXT NOT NULL
) STRICT;
CREATE TABLE patients (
    id INTEGER PRIMARY KEY,
    mrn TEXT NOT NULL UNIQUE CHECK (length(mrn) > 0),
    name TEXT,
    sex TEXT NOT NULL DEFAULT 'unknown' CHECK (sex IN ('female', 'male', 'unknown')),
    birth_date TEXT,
    pseudo_id TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
) STRICT;
INSERT INTO "patients" VALUES(1,'MRN-1','Old Patient','female','1960-02-03','7acf9c24ac994d15e187dfb5f60dc250','2026-12-05T08:00:27.198+00:00');
CREATE TABLE referral_basis_changes (
    id INTEGER PRIMARY KEY,
    referral_id INTEGER NOT NULL REFERENCES referrals(id),
    encounter_id INTEGER NOT NULL REFERENCES encounters(id),
    correction_id INTEGER NOT NULL REFERENCES observation_corrections(id),
    assessment_id INTEGER NOT NULL REFERENCES assessments(id),
    code TEXT NOT NULL CHECK (length(code) > 0),
    old_value TEXT NOT NULL,
    new_value TEXT,
    disposition TEXT NOT NULL CHECK (disposition IN ('emergency_transfer', 'urgent_referral', 'routine_referral', 'local_care', 'insufficient_data')),
    referral_urgency TEXT NOT NULL CHECK (referral_urgency IN ('emergency', 'urgent', 'routine')),
    referral_status TEXT NOT NULL CHECK (referral_status IN ('proposed', 'sent', 'accepted', 'arrived', 'completed', 'declined', 'cancelled')),
    less_urgent INTEGER NOT NULL CHECK (less_urgent IN (0, 1)),
    changed_at TEXT NOT NULL,
    resolution TEXT CHECK (resolution IN ('acknowledged', 'cancelled', 'declined', 'completed')),
    resolved_at TEXT,
    resolved_by TEXT,
    resolution_reason TEXT,
    CHECK ((resolved_at IS NULL) = (resolution IS NULL)),
    CHECK ((resolved_at IS NULL) = (resolved_by IS NULL)),
    CHECK ((resolved_at IS NULL) = (resolution_reason IS NULL)),
    CHECK (resolution_reason IS NULL OR length(trim(resolution_reason)) > 0)
) STRICT;
CREATE TABLE referral_events (
    id INTEGER PRIMARY KEY,
    referral_id INTEGER NOT NULL REFERENCES referrals(id),
    from_status TEXT CHECK (from_status IN ('proposed', 'sent', 'accepted', 'arrived', 'completed', 'declined', 'cancelled')),
    to_status TEXT NOT NULL CHECK (to_status IN ('proposed', 'sent', 'accepted', 'arrived', 'completed', 'declined', 'cancelled')),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    note TEXT
) STRICT;
INSERT INTO "referral_events" VALUES(1,1,NULL,'proposed','2026-12-05T08:00:27.216+00:00','dr_li','SpO2 90');
INSERT INTO "referral_events" VALUES(2,1,'proposed','sent','2026-12-05T08:00:27.222+00:00','dr_li',NULL);
CREATE TABLE referrals (
    id INTEGER PRIMARY KEY,
    assessment_id INTEGER NOT NULL REFERENCES assessments(id),
    encounter_id INTEGER NOT NULL REFERENCES encounters(id),
    from_facility TEXT REFERENCES facilities(id),
    to_facility TEXT NOT NULL REFERENCES facilities(id),
    urgency TEXT NOT NULL CHECK (urgency IN ('emergency', 'urgent', 'routine')),
    reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
    status TEXT NOT NULL CHECK (status IN ('proposed', 'sent', 'accepted', 'arrived', 'completed', 'declined', 'cancelled')),
    idempotency_key TEXT UNIQUE,
    request_sha256 TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    sent_at TEXT,
    accepted_at TEXT,
    arrived_at TEXT,
    completed_at TEXT,
    declined_at TEXT,
    cancelled_at TEXT,
    justified INTEGER CHECK (justified IN (0, 1)),
    feedback TEXT
) STRICT;
INSERT INTO "referrals" VALUES(1,1,1,'ZJ-C01','ZJ-S01','urgent','SpO2 90','sent',NULL,'f4135577e332e05ca7ee01ccdb0b4468db921572a0c107619f0355e68ebaec14','2026-12-05T08:00:27.216+00:00','dr_li','2026-12-05T08:00:27.222+00:00','2026-12-05T08:00:27.222+00:00',NULL,NULL,NULL,NULL,NULL,NULL,NULL);
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
INSERT INTO "settings" VALUES('clinic_id','ZJ-C01');
INSERT INTO "settings" VALUES('pseudonym_secret','e05d5960958c2956efca46470e10928b2bddfe8a3d4b9908e5405353f3623b5d');
CREATE TABLE staff_sessions (
    id_sha256 TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES users(username),
    language TEXT NOT NULL CHECK (language IN ('en', 'zh')),
    csrf_token TEXT NOT NULL CHECK (length(csrf_token) > 0),
    created_at REAL NOT NULL,
    last_seen REAL NOT NULL CHECK (last_seen >= created_at)
) STRICT;
CREATE TABLE users (
    username TEXT PRIMARY KEY CHECK (length(username) > 0),
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('clinician', 'nurse', 'integrator', 'analyst', 'admin')),
    language TEXT NOT NULL DEFAULT 'en' CHECK (language IN ('en', 'zh')),
    created_at TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))
) STRICT;
INSERT INTO "users" VALUES('admin1','$argon2id$v=19$m=65536,t=3,p=4$old-admin-hash','admin','en','2026-12-05T08:00:27.224+00:00',0);
INSERT INTO "users" VALUES('nurse1','$argon2id$v=19$m=65536,t=3,p=4$old-nurse-hash','nurse','en','2026-12-05T08:00:27.226+00:00',1);
CREATE UNIQUE INDEX "idx__sqlite_migrations_migration_set_name"
    ON "_sqlite_migrations" ("migration_set", "name");
CREATE INDEX encounters_day ON encounters(day, id);
CREATE INDEX encounters_patient ON encounters(patient_id);
CREATE INDEX observations_encounter ON observations(encounter_id);
CREATE INDEX observations_device_message ON observations(device_message_id);
CREATE INDEX assessments_encounter ON assessments(encounter_id, id);
CREATE INDEX overrides_assessment ON overrides(assessment_id, id)
;
CREATE INDEX referrals_status ON referrals(status, id);
CREATE INDEX referrals_encounter ON referrals(encounter_id, id);
CREATE INDEX referral_events_referral ON referral_events(referral_id, id)
;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit table is append-only: UPDATE is rejected'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit table is append-only: DELETE is rejected'); END;
CREATE INDEX api_tokens_username ON api_tokens(username)
;
CREATE INDEX device_messages_device ON device_messages(device_id, received_at);
CREATE UNIQUE INDEX device_results_idempotency ON device_results(device_id, sample_id, vendor_code, result_time);
CREATE INDEX device_results_undelivered ON device_results(delivered_at, id);
CREATE INDEX device_quarantine_device ON device_quarantine(device_id, id)
;
CREATE INDEX staff_sessions_username ON staff_sessions(username)
;
CREATE INDEX device_result_reviews_encounter ON device_result_reviews(encounter_id)
;
CREATE INDEX device_results_received ON device_results(received_at);
CREATE UNIQUE INDEX device_associations_active ON device_associations(device_id) WHERE ended_at IS NULL;
CREATE INDEX device_associations_device ON device_associations(device_id, started_at);
CREATE INDEX device_associations_encounter ON device_associations(encounter_id)
;
CREATE INDEX observation_corrections_result ON observation_corrections(result_id, id);
CREATE INDEX observation_corrections_encounter ON observation_corrections(encounter_id, id)
;
CREATE INDEX device_results_qc ON device_results(device_id) WHERE is_qc = 1;
CREATE UNIQUE INDEX referral_basis_changes_once ON referral_basis_changes(referral_id, correction_id);
CREATE INDEX referral_basis_changes_open ON referral_basis_changes(encounter_id) WHERE resolved_at IS NULL
;
CREATE TRIGGER encounters_close_once BEFORE UPDATE OF closed_at, closed_by, close_reason ON encounters
WHEN OLD.closed_at IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'a closed encounter stays closed: its close cannot be changed'); END;
COMMIT;
