-- A referral log written by clinic-triage at schema 0019_audit_record_unrecorded (commit 23a6134bed80,
-- before migration 0020), dumped with sqlite3's iterdump: a patient's visit whose device side went
-- through every write the product makes - a held result assigned (stored as an observation) and one
-- dismissed; a ward oximeter attached, detached and attached again; a glucose of 28.0 a referral was
-- made from, corrected by the lab to 8.2 (the basis change acknowledged), then to 99.0 (held, the
-- referral cancelled, the correction dismissed). tests/referral/test_audit_rows_upgrade.py loads it to check
-- that such a log upgrades and verifies, and that edits are found after it.
BEGIN TRANSACTION;
CREATE TABLE "_sqlite_migrations" (
   "id" INTEGER PRIMARY KEY,
   "migration_set" TEXT,
   "name" TEXT,
   "applied_at" TEXT
);
INSERT INTO "_sqlite_migrations" VALUES(1,'clinic','0001_core','2026-12-05 11:26:23.372149+00:00');
INSERT INTO "_sqlite_migrations" VALUES(2,'clinic','0002_referrals','2026-12-05 11:26:23.372546+00:00');
INSERT INTO "_sqlite_migrations" VALUES(3,'clinic','0003_audit','2026-12-05 11:26:23.372826+00:00');
INSERT INTO "_sqlite_migrations" VALUES(4,'clinic','0004_users','2026-12-05 11:26:23.373106+00:00');
INSERT INTO "_sqlite_migrations" VALUES(5,'clinic','0005_device_inbox','2026-12-05 11:26:23.373455+00:00');
INSERT INTO "_sqlite_migrations" VALUES(6,'clinic','0006_device_associations','2026-12-05 11:26:23.373705+00:00');
INSERT INTO "_sqlite_migrations" VALUES(7,'clinic','0007_staff_sessions','2026-12-05 11:26:23.373891+00:00');
INSERT INTO "_sqlite_migrations" VALUES(8,'clinic','0008_device_result_review','2026-12-05 11:26:23.374080+00:00');
INSERT INTO "_sqlite_migrations" VALUES(9,'clinic','0009_device_results_received','2026-12-05 11:26:23.374206+00:00');
INSERT INTO "_sqlite_migrations" VALUES(10,'clinic','0010_device_association_expiry','2026-12-05 11:26:23.375818+00:00');
INSERT INTO "_sqlite_migrations" VALUES(11,'clinic','0011_observation_corrections','2026-12-05 11:26:23.376092+00:00');
INSERT INTO "_sqlite_migrations" VALUES(12,'clinic','0012_device_results_qc','2026-12-05 11:26:23.376231+00:00');
INSERT INTO "_sqlite_migrations" VALUES(13,'clinic','0013_referral_basis_changes','2026-12-05 11:26:23.376481+00:00');
INSERT INTO "_sqlite_migrations" VALUES(14,'clinic','0014_encounter_close','2026-12-05 11:26:23.377678+00:00');
INSERT INTO "_sqlite_migrations" VALUES(15,'clinic','0015_encounter_context','2026-12-05 11:26:23.378190+00:00');
INSERT INTO "_sqlite_migrations" VALUES(16,'clinic','0016_observation_reported','2026-12-05 11:26:23.383216+00:00');
INSERT INTO "_sqlite_migrations" VALUES(17,'clinic','0017_meter_operator_lists','2026-12-05 11:26:23.383425+00:00');
INSERT INTO "_sqlite_migrations" VALUES(18,'clinic','0018_audit_entity_index','2026-12-05 11:26:23.383578+00:00');
INSERT INTO "_sqlite_migrations" VALUES(19,'clinic','0019_audit_record_unrecorded','2026-12-05 11:26:23.383709+00:00');
CREATE TABLE api_tokens (
    token_sha256 TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES users(username),
    label TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
) STRICT;
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
INSERT INTO "assessments" VALUES(1,1,NULL,'23e556b6f91c1179bc83628ddc2f555d8d0f2390994d0ba4357d8a70591f48b4','2026-12-05T11:26:23.436+00:00','engine','urgent_referral',1,'secondary','policy-2026.1','0.1.0','{}',1,'[]','{}',1,'{"observations_used":[{"code":"glucose_random","source_message_id":"inbox:3","unit":"mmol/L","value":28.0}]}');
INSERT INTO "assessments" VALUES(2,1,NULL,'9ea0c102ad9b2146c7656a6cc0e5af0be7de6ddf8d5c58d66c7e292856f389eb','2026-12-05T11:26:23.440+00:00','engine','local_care',4,NULL,'policy-2026.1','0.1.0','{}',1,'[]','{}',1,'{"disposition":"urgent_referral"}');
INSERT INTO "assessments" VALUES(3,1,NULL,'9ea0c102ad9b2146c7656a6cc0e5af0be7de6ddf8d5c58d66c7e292856f389eb','2026-12-05T11:26:23.446+00:00','engine','local_care',4,NULL,'policy-2026.1','0.1.0','{}',1,'[]','{}',1,'{"disposition":"urgent_referral"}');
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
INSERT INTO "audit" VALUES(1,'2026-12-05T11:26:23.399+00:00','test','facility.create','facility','ZJ-C01','loaded from demo_facilities.csv','{"beds":20,"capacity":80,"digital_triage_start":"2024-03-01","id":"ZJ-C01","lat":29.7935,"lon":119.6912,"name":"Synthetic Meadow Township Health Centre (fictional)","region_code":"330122","synthetic":1,"tier":"primary"}','0000000000000000000000000000000000000000000000000000000000000000','6fcda904bf41270aa31587af0187a84f5dbadc633f60bd14a1b08b89529bc384');
INSERT INTO "audit" VALUES(2,'2026-12-05T11:26:23.399+00:00','test','facility.create','facility','ZJ-C02','loaded from demo_facilities.csv','{"beds":16,"capacity":60,"digital_triage_start":"2024-09-15","id":"ZJ-C02","lat":29.8551,"lon":119.5473,"name":"Synthetic Riverbend Township Health Centre (fictional)","region_code":"330122","synthetic":1,"tier":"primary"}','6fcda904bf41270aa31587af0187a84f5dbadc633f60bd14a1b08b89529bc384','fd2b8a63ea26af06b44df7f4983ce33842784486307781770bfce629ba82d96e');
INSERT INTO "audit" VALUES(3,'2026-12-05T11:26:23.399+00:00','test','facility.create','facility','ZJ-C03','loaded from demo_facilities.csv','{"beds":12,"capacity":45,"digital_triage_start":null,"id":"ZJ-C03","lat":29.6093,"lon":119.0421,"name":"Synthetic Pine Hill Community Clinic (fictional)","region_code":"330127","synthetic":1,"tier":"primary"}','fd2b8a63ea26af06b44df7f4983ce33842784486307781770bfce629ba82d96e','1e7a9f05db6e9a0eb689c3b6afa588f57bf1141facce83c00aaa0862b6e395cf');
INSERT INTO "audit" VALUES(4,'2026-12-05T11:26:23.399+00:00','test','facility.create','facility','ZJ-C04','loaded from demo_facilities.csv','{"beds":8,"capacity":30,"digital_triage_start":"2025-01-10","id":"ZJ-C04","lat":29.5337,"lon":118.9105,"name":"Synthetic Lakeside Village Clinic (fictional)","region_code":"330127","synthetic":1,"tier":"primary"}','1e7a9f05db6e9a0eb689c3b6afa588f57bf1141facce83c00aaa0862b6e395cf','0e5f9608dd3191eda72eca970952b7469b8753f00e81a29aa344c97c2ecf90a4');
INSERT INTO "audit" VALUES(5,'2026-12-05T11:26:23.399+00:00','test','facility.create','facility','ZJ-C05','loaded from demo_facilities.csv','{"beds":24,"capacity":90,"digital_triage_start":"2024-06-01","id":"ZJ-C05","lat":30.4212,"lon":119.9463,"name":"Synthetic Bamboo Valley Health Centre (fictional)","region_code":"330110","synthetic":1,"tier":"primary"}','0e5f9608dd3191eda72eca970952b7469b8753f00e81a29aa344c97c2ecf90a4','529d2f63aeac2879e723f798b1ba559e77ab729c098c01c71929d26eb7df66ba');
INSERT INTO "audit" VALUES(6,'2026-12-05T11:26:23.399+00:00','test','facility.create','facility','ZJ-S01','loaded from demo_facilities.csv','{"beds":420,"capacity":1500,"digital_triage_start":null,"id":"ZJ-S01","lat":29.8003,"lon":119.6858,"name":"Synthetic County People''s Hospital (fictional)","region_code":"330122","synthetic":1,"tier":"secondary"}','529d2f63aeac2879e723f798b1ba559e77ab729c098c01c71929d26eb7df66ba','f37dd1d3ad3ef313467fc78518485e45f1b8a6327d19553e6e610f9ac6a888c6');
INSERT INTO "audit" VALUES(7,'2026-12-05T11:26:23.399+00:00','test','facility.create','facility','ZJ-S02','loaded from demo_facilities.csv','{"beds":260,"capacity":900,"digital_triage_start":null,"id":"ZJ-S02","lat":29.6091,"lon":119.0447,"name":"Synthetic County Traditional Medicine Hospital (fictional)","region_code":"330127","synthetic":1,"tier":"secondary"}','f37dd1d3ad3ef313467fc78518485e45f1b8a6327d19553e6e610f9ac6a888c6','2f3e4cd94bed3fa08a75461907cd4d3be2b5ab39a94523630e407801febb8c32');
INSERT INTO "audit" VALUES(8,'2026-12-05T11:26:23.399+00:00','test','facility.create','facility','ZJ-T01','loaded from demo_facilities.csv','{"beds":2100,"capacity":9000,"digital_triage_start":null,"id":"ZJ-T01","lat":30.2744,"lon":120.1301,"name":"Synthetic Provincial University Hospital (fictional)","region_code":"330106","synthetic":1,"tier":"tertiary"}','2f3e4cd94bed3fa08a75461907cd4d3be2b5ab39a94523630e407801febb8c32','5e28f857d9c025d94e051bac1c1f76ed867c1e9cc2aaeb5e203070e4b09e36e3');
INSERT INTO "audit" VALUES(9,'2026-12-05T11:26:23.399+00:00','test','facility.create','facility','ZJ-T02','loaded from demo_facilities.csv','{"beds":1600,"capacity":7000,"digital_triage_start":null,"id":"ZJ-T02","lat":30.2591,"lon":120.1712,"name":"Synthetic City First Hospital (fictional)","region_code":"330102","synthetic":1,"tier":"tertiary"}','5e28f857d9c025d94e051bac1c1f76ed867c1e9cc2aaeb5e203070e4b09e36e3','a4b0d759f13b196b5ea883c0929f5db8d14f9866123f95e208a0581e3bbf1cfa');
INSERT INTO "audit" VALUES(10,'2026-12-05T11:26:23.399+00:00','test','setting.set','setting','clinic_id','clinic named when loading demo_facilities.csv','{"value":"ZJ-C01","value_sha256":"e4528e9be07ed4c1c363e841eb54b680cd2bbdad63133317c1350cb37123282a"}','a4b0d759f13b196b5ea883c0929f5db8d14f9866123f95e208a0581e3bbf1cfa','ea8d7f20d001db323e2231f6d85830319f956c67ae236371187e5e1f9b8fe347');
INSERT INTO "audit" VALUES(11,'2026-12-05T11:26:23.402+00:00','nurse1','patient.create','patient','1','registration','{"birth_date":"1960-02-03","mrn":"MRN-1","name":"Test Patient","pseudo_id":"75ecab16cdcde1a50465b750d0c46158","sex":"female"}','ea8d7f20d001db323e2231f6d85830319f956c67ae236371187e5e1f9b8fe347','3015757de9704111da5c2c313efc2b254df4b483bd4be04eb9b85b9b2c93e8a2');
INSERT INTO "audit" VALUES(12,'2026-12-05T11:26:23.409+00:00','nurse1','encounter.create','encounter','1','visit','{"age_years":66,"created_by":"nurse1","day":"2026-05-01","facility_id":"ZJ-C01","idempotency_key":null,"patient_id":1,"started_at":"2026-05-01T09:00:00+08:00"}','3015757de9704111da5c2c313efc2b254df4b483bd4be04eb9b85b9b2c93e8a2','d50b9b29c574f785709fdc85f332a00939d3b9ee19fc79dc5898cb88ca593245');
INSERT INTO "audit" VALUES(13,'2026-12-05T11:26:23.418+00:00','nurse1','device_result.assign','device_result','1','label torn','{"device_id":"lab-analyzer","encounter_id":1,"message_id":1,"replaces":null,"reviewed_at":"2026-12-05T11:26:23.418835+00:00","why_held":["no_patient_link"]}','d50b9b29c574f785709fdc85f332a00939d3b9ee19fc79dc5898cb88ca593245','736a26e69bbd7bcdc0010704e3a1aa0d1cb8df97605864824598b507ed065353');
INSERT INTO "audit" VALUES(14,'2026-12-05T11:26:23.419+00:00','nurse1','observations.create','encounter','1','assigned','{"observation_ids":[1],"observations":[{"code":"glucose_random","comparator":null,"device":"lab-analyzer","device_message_id":"inbox:1","observed_at":"2026-05-01T09:05:00+08:00","qc":null,"reported_unit":null,"reported_value":null,"status":"final","unit":"mmol/L","value_num":6.1,"value_text":null}]}','736a26e69bbd7bcdc0010704e3a1aa0d1cb8df97605864824598b507ed065353','7d0b73593bffc4858712f1fd240213fa19458e681910f0d291aaed3db1ae41c3');
INSERT INTO "audit" VALUES(15,'2026-12-05T11:26:23.422+00:00','nurse1','device_result.dismiss','device_result','2','test strip','{"device_id":"lab-analyzer","encounter_id":null,"message_id":1,"replaces":null,"reviewed_at":"2026-12-05T11:26:23.422664+00:00","why_held":["no_patient_link"]}','7d0b73593bffc4858712f1fd240213fa19458e681910f0d291aaed3db1ae41c3','bf7cdffd15de00681eb4c8a65feba424c8117281eafb1ecc9bf1e9cb32327bd0');
INSERT INTO "audit" VALUES(16,'2026-12-05T11:26:23.426+00:00','nurse1','device_association.start','device_association','1','device attached to the patient','{"device_id":"ward-oximeter","encounter_id":1,"expires_at":"2026-12-05T23:26:23.426590+00:00","patient_id":1,"replaces":null,"started_at":"2026-12-05T11:26:23.426590+00:00"}','bf7cdffd15de00681eb4c8a65feba424c8117281eafb1ecc9bf1e9cb32327bd0','822475360ee83a7d3b1d93191199758ae8c77c874f6c4d1dfe4d877c41a3b537');
INSERT INTO "audit" VALUES(17,'2026-12-05T11:26:23.430+00:00','nurse1','device_association.end','device_association','1','measurement finished','{"device_id":"ward-oximeter","encounter_id":1,"ended_at":"2026-12-05T11:26:23.430648+00:00"}','822475360ee83a7d3b1d93191199758ae8c77c874f6c4d1dfe4d877c41a3b537','048da30fd6fb95158917157f836488f4cc9a5da6adc4ee9e1b919562897f1e9f');
INSERT INTO "audit" VALUES(18,'2026-12-05T11:26:23.434+00:00','nurse2','device_association.start','device_association','2','device attached to the patient','{"device_id":"ward-oximeter","encounter_id":1,"expires_at":"2026-12-05T23:26:23.434539+00:00","patient_id":1,"replaces":null,"started_at":"2026-12-05T11:26:23.434539+00:00"}','048da30fd6fb95158917157f836488f4cc9a5da6adc4ee9e1b919562897f1e9f','72d03a66f7abd5b4c121f48c51988b40d52998ef94fe0de2cc23f1ed8a3ed09c');
INSERT INTO "audit" VALUES(19,'2026-12-05T11:26:23.435+00:00','device-gateway','observations.create','encounter','1','device result','{"observation_ids":[2],"observations":[{"code":"glucose_random","comparator":null,"device":"lab-analyzer","device_message_id":"inbox:3","observed_at":"2026-05-01T09:05:00+08:00","qc":null,"reported_unit":null,"reported_value":null,"status":"final","unit":"mmol/L","value_num":28.0,"value_text":null}]}','72d03a66f7abd5b4c121f48c51988b40d52998ef94fe0de2cc23f1ed8a3ed09c','2f584af61f40bd9c2be94e70106bc713b9f416e4a2e2a47cfcc4a9ee762e8eed');
INSERT INTO "audit" VALUES(20,'2026-12-05T11:26:23.436+00:00','engine','assessment.create','assessment','1','triage','{"created_at":"2026-12-05T11:26:23.436+00:00","created_by":"engine","digital":1,"disposition":"urgent_referral","encounter_id":1,"engine_version":"0.1.0","idempotency_key":null,"model_versions":"{}","news2":1,"payload_sha256":"947c6930bcfee15c36c2f08d514f0b764e40bc72bdf46eee231c21c4bc232937","policy_version":"policy-2026.1","red_flags":"[]","request_sha256":"23e556b6f91c1179bc83628ddc2f555d8d0f2390994d0ba4357d8a70591f48b4","risks":"{}","target_tier":"secondary","urgency_rank":1}','2f584af61f40bd9c2be94e70106bc713b9f416e4a2e2a47cfcc4a9ee762e8eed','1dd16523446389a5c25f8e90dee3c9000378d68dfe9d6f97a12f13bb19b8cbdf');
INSERT INTO "audit" VALUES(21,'2026-12-05T11:26:23.437+00:00','dr_li','referral.create','referral','1','glucose 28','{"assessment_id":1,"created_at":"2026-12-05T11:26:23.437+00:00","created_by":"dr_li","encounter_id":1,"from_facility":"ZJ-C01","idempotency_key":null,"reason":"glucose 28","status":"proposed","to_facility":"ZJ-S01","updated_at":"2026-12-05T11:26:23.437+00:00","urgency":"urgent"}','1dd16523446389a5c25f8e90dee3c9000378d68dfe9d6f97a12f13bb19b8cbdf','e236b2ac716d45e3fa0d78ba51bcd9d16cf13e0773799e17b05539d7d7d1df59');
INSERT INTO "audit" VALUES(22,'2026-12-05T11:26:23.438+00:00','device-gateway','device_result.replaced','device_result','3','device correction','{"from":{"comparator":null,"message_id":2,"received_at":"2026-12-05T11:26:23.435041+00:00","status":"final","unit":"mmol/L","value":"28.0"},"message_id":3,"to":{"comparator":null,"status":"corrected","unit":"mmol/L","value":"8.2"}}','e236b2ac716d45e3fa0d78ba51bcd9d16cf13e0773799e17b05539d7d7d1df59','dd6b146196e7df50794aacd4af983b09105f0715310ac5dd48a11d24f39ac322');
INSERT INTO "audit" VALUES(23,'2026-12-05T11:26:23.440+00:00','device-gateway','observations.create','encounter','1','device correction of result 3','{"observation_ids":[3],"observations":[{"code":"glucose_random","comparator":null,"device":"lab-analyzer","device_message_id":"inbox:3","observed_at":"2026-05-01T09:05:00+08:00","qc":null,"reported_unit":null,"reported_value":null,"status":"corrected","unit":"mmol/L","value_num":8.2,"value_text":null}]}','dd6b146196e7df50794aacd4af983b09105f0715310ac5dd48a11d24f39ac322','ac9e0b9db6d67ec7044fef45dca7189e40b269f6785f4f9cde19dd9c62c13678');
INSERT INTO "audit" VALUES(24,'2026-12-05T11:26:23.440+00:00','device-gateway','observation.correct','encounter','1','device lab-analyzer corrected result 3','{"correction":1,"device_id":"lab-analyzer","message_id":3,"new_value":"8.2 mmol/L","observation":3,"old_value":"28.0 mmol/L","replaces_observation":2,"result_id":3}','ac9e0b9db6d67ec7044fef45dca7189e40b269f6785f4f9cde19dd9c62c13678','e56059c9ef10beab2e825fb8a0222ca0abed370edd8b3bf89f0cbab36739fb5f');
INSERT INTO "audit" VALUES(25,'2026-12-05T11:26:23.440+00:00','engine','assessment.create','assessment','2','corrected','{"created_at":"2026-12-05T11:26:23.440+00:00","created_by":"engine","digital":1,"disposition":"local_care","encounter_id":1,"engine_version":"0.1.0","idempotency_key":null,"model_versions":"{}","news2":1,"payload_sha256":"8e428c86d85df915bf73bcf239a20e3288a70e914b202850eb2169d764a98a52","policy_version":"policy-2026.1","red_flags":"[]","request_sha256":"9ea0c102ad9b2146c7656a6cc0e5af0be7de6ddf8d5c58d66c7e292856f389eb","risks":"{}","target_tier":null,"urgency_rank":4}','e56059c9ef10beab2e825fb8a0222ca0abed370edd8b3bf89f0cbab36739fb5f','9989646f3565e338f29b556c0c6079e6d36daf199a52dce97d770d315e92f043');
INSERT INTO "audit" VALUES(26,'2026-12-05T11:26:23.440+00:00','device-gateway','referral.basis_changed','referral','1','device correction of glucose_random the referral was based on: 28.0 mmol/L -> 8.2 mmol/L; re-assessed: local_care','{"assessment_id":2,"basis_change":1,"code":"glucose_random","correction":1,"disposition":"local_care","informational":false,"less_urgent":true,"new_value":"8.2 mmol/L","old_value":"28.0 mmol/L","referral_status":"proposed","referral_urgency":"urgent","result_id":3,"withdrawn":false}','9989646f3565e338f29b556c0c6079e6d36daf199a52dce97d770d315e92f043','60536f4b199c2b546ede44a88cef95699abbe05d5cfa50066bf51747e59100c6');
INSERT INTO "audit" VALUES(27,'2026-12-05T11:26:23.442+00:00','dr_li','referral.basis_reviewed','referral','1','rechecked at the bedside: 27.6','{"basis_changes":[1],"informational":[],"resolution":"acknowledged","status":"proposed"}','60536f4b199c2b546ede44a88cef95699abbe05d5cfa50066bf51747e59100c6','12f626e36d93b5dc5a3d647d6d7e50040407f9670a9840fc3b930bcc2ac2c679');
INSERT INTO "audit" VALUES(28,'2026-12-05T11:26:23.443+00:00','device-gateway','device_result.replaced','device_result','3','device correction','{"from":{"comparator":null,"message_id":3,"received_at":"2026-12-05T11:26:23.438720+00:00","status":"corrected","unit":"mmol/L","value":"8.2"},"message_id":4,"to":{"comparator":null,"status":"corrected","unit":"mmol/L","value":"99.0"}}','12f626e36d93b5dc5a3d647d6d7e50040407f9670a9840fc3b930bcc2ac2c679','30f002847ac43fa2f73803795fb2b9581d10f0c5b9a86da44c7cc0da5e304012');
INSERT INTO "audit" VALUES(29,'2026-12-05T11:26:23.446+00:00','device-gateway','observation.correction_held','encounter','1','glucose 99.0 mmol/L is implausible','{"correction":2,"device_id":"lab-analyzer","message_id":4,"new_value":"99.0 mmol/L","observation":null,"old_value":"8.2 mmol/L","replaces_observation":3,"result_id":3}','30f002847ac43fa2f73803795fb2b9581d10f0c5b9a86da44c7cc0da5e304012','3746591588de9c37d8429e562bb59794d86a05f13c5bd0282c878b8ece914345');
INSERT INTO "audit" VALUES(30,'2026-12-05T11:26:23.446+00:00','engine','assessment.create','assessment','3','corrected','{"created_at":"2026-12-05T11:26:23.446+00:00","created_by":"engine","digital":1,"disposition":"local_care","encounter_id":1,"engine_version":"0.1.0","idempotency_key":null,"model_versions":"{}","news2":1,"payload_sha256":"8e428c86d85df915bf73bcf239a20e3288a70e914b202850eb2169d764a98a52","policy_version":"policy-2026.1","red_flags":"[]","request_sha256":"9ea0c102ad9b2146c7656a6cc0e5af0be7de6ddf8d5c58d66c7e292856f389eb","risks":"{}","target_tier":null,"urgency_rank":4}','3746591588de9c37d8429e562bb59794d86a05f13c5bd0282c878b8ece914345','33ef2322850419275d817b771f9575160c6e6d281e8c064ca605eab5e72133f3');
INSERT INTO "audit" VALUES(31,'2026-12-05T11:26:23.447+00:00','device-gateway','referral.basis_changed','referral','1','device correction of glucose_random the referral was based on: 28.0 mmol/L -> withdrawn; re-assessed: local_care','{"assessment_id":3,"basis_change":2,"code":"glucose_random","correction":2,"disposition":"local_care","informational":false,"less_urgent":true,"new_value":null,"old_value":"28.0 mmol/L","referral_status":"proposed","referral_urgency":"urgent","result_id":3,"withdrawn":true}','33ef2322850419275d817b771f9575160c6e6d281e8c064ca605eab5e72133f3','165f09069fa86346eab8337e58319bb42b4fb599b063712a7c0e193d374db3cf');
INSERT INTO "audit" VALUES(32,'2026-12-05T11:26:23.449+00:00','dr_li','referral.cancelled','referral','1','seen locally','{"at":"2026-12-05T11:26:23.449+00:00","basis_changes_closed":[2],"from":"proposed","to":"cancelled"}','165f09069fa86346eab8337e58319bb42b4fb599b063712a7c0e193d374db3cf','7a5470543fce49c84e1e28666360dde6ad8a7c44fbb38434347b86b2f7d746af');
INSERT INTO "audit" VALUES(33,'2026-12-05T11:26:23.453+00:00','nurse1','observation.correction_dismiss','encounter','1','lab confirmed the first value','{"correction":2,"new_value":"99.0 mmol/L","result_id":3}','7a5470543fce49c84e1e28666360dde6ad8a7c44fbb38434347b86b2f7d746af','f94fae56f5a3f3e89b43324c9228fb8d5867d5252a8ecbea93430548600ccbf0');
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
INSERT INTO "device_associations" VALUES(1,'ward-oximeter',1,1,'2026-12-05T11:26:23.426590+00:00','nurse1','2026-12-05T23:26:23.426590+00:00','2026-12-05T11:26:23.430648+00:00','nurse1','measurement finished');
INSERT INTO "device_associations" VALUES(2,'ward-oximeter',1,1,'2026-12-05T11:26:23.434539+00:00','nurse2','2026-12-05T23:26:23.434539+00:00',NULL,NULL,NULL);
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
INSERT INTO "device_messages" VALUES(1,'lab-analyzer','s1','astm','2026-12-05T11:26:23.414588+00:00',X'487C5C5E26','f04aa14367420e27f1efc44859b95972f3e2c74304a1195c87f637b2d088f124',NULL,'accepted',NULL,2,0);
INSERT INTO "device_messages" VALUES(2,'lab-analyzer','s1','astm','2026-12-05T11:26:23.435041+00:00',X'487C5C5E26','f04aa14367420e27f1efc44859b95972f3e2c74304a1195c87f637b2d088f124',NULL,'accepted',NULL,1,0);
INSERT INTO "device_messages" VALUES(3,'lab-analyzer','s1','astm','2026-12-05T11:26:23.438720+00:00',X'487C5C5E26','f04aa14367420e27f1efc44859b95972f3e2c74304a1195c87f637b2d088f124',NULL,'accepted',NULL,1,0);
INSERT INTO "device_messages" VALUES(4,'lab-analyzer','s1','astm','2026-12-05T11:26:23.443260+00:00',X'487C5C5E26','f04aa14367420e27f1efc44859b95972f3e2c74304a1195c87f637b2d088f124',NULL,'accepted',NULL,1,0);
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
INSERT INTO "device_result_reviews" VALUES(1,'assigned',1,1,'nurse1','2026-12-05T11:26:23.418835+00:00','label torn');
INSERT INTO "device_result_reviews" VALUES(2,'dismissed',NULL,NULL,'nurse1','2026-12-05T11:26:23.422664+00:00','test strip');
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
INSERT INTO "device_results" VALUES(1,1,'lab-analyzer','A','GLU','20260501090000',NULL,'glucose_random','6.1',6.1,NULL,'mmol/L','final',0,NULL,NULL,'2026-12-05T11:26:23.414588+00:00',NULL);
INSERT INTO "device_results" VALUES(2,1,'lab-analyzer','B','GLU','20260501090000',NULL,'glucose_random','2.0',2.0,NULL,'mmol/L','final',0,NULL,NULL,'2026-12-05T11:26:23.414588+00:00',NULL);
INSERT INTO "device_results" VALUES(3,4,'lab-analyzer','C','GLU','20260501090000','MRN-1','glucose_random','99.0',99.0,NULL,'mmol/L','corrected',0,NULL,'{"replaced": [{"comparator": null, "message_id": 2, "received_at": "2026-12-05T11:26:23.435041+00:00", "status": "final", "unit": "mmol/L", "value": "28.0"}, {"comparator": null, "message_id": 3, "received_at": "2026-12-05T11:26:23.438720+00:00", "status": "corrected", "unit": "mmol/L", "value": "8.2"}]}','2026-12-05T11:26:23.443260+00:00',NULL);
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
INSERT INTO "observation_corrections" VALUES(1,1,3,3,2,'applied',3,'28.0 mmol/L','8.2 mmol/L',NULL,'2026-12-05T11:26:23.440233+00:00',NULL,NULL,NULL);
INSERT INTO "observation_corrections" VALUES(2,1,3,4,3,'held',NULL,'8.2 mmol/L','99.0 mmol/L','glucose 99.0 mmol/L is implausible','2026-12-05T11:26:23.446680+00:00','nurse1','2026-12-05T11:26:23.453759+00:00','lab confirmed the first value');
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
INSERT INTO "observations" VALUES(1,1,'glucose_random',6.1,NULL,NULL,'mmol/L','2026-05-01T09:05:00+08:00','final',NULL,'lab-analyzer','inbox:1',NULL,NULL);
INSERT INTO "observations" VALUES(2,1,'glucose_random',28.0,NULL,NULL,'mmol/L','2026-05-01T09:05:00+08:00','final',NULL,'lab-analyzer','inbox:3',NULL,NULL);
INSERT INTO "observations" VALUES(3,1,'glucose_random',8.2,NULL,NULL,'mmol/L','2026-05-01T09:05:00+08:00','corrected',NULL,'lab-analyzer','inbox:3',NULL,NULL);
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
INSERT INTO "patients" VALUES(1,'MRN-1','Test Patient','female','1960-02-03','75ecab16cdcde1a50465b750d0c46158','2026-12-05T11:26:23.402+00:00');
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
INSERT INTO "referral_basis_changes" VALUES(1,1,1,1,2,'glucose_random','28.0 mmol/L','8.2 mmol/L','local_care','urgent','proposed',1,'2026-12-05T11:26:23.440+00:00','acknowledged','2026-12-05T11:26:23.442+00:00','dr_li','rechecked at the bedside: 27.6');
INSERT INTO "referral_basis_changes" VALUES(2,1,1,2,3,'glucose_random','28.0 mmol/L',NULL,'local_care','urgent','proposed',1,'2026-12-05T11:26:23.446+00:00','cancelled','2026-12-05T11:26:23.449+00:00','dr_li','seen locally');
CREATE TABLE referral_events (
    id INTEGER PRIMARY KEY,
    referral_id INTEGER NOT NULL REFERENCES referrals(id),
    from_status TEXT CHECK (from_status IN ('proposed', 'sent', 'accepted', 'arrived', 'completed', 'declined', 'cancelled')),
    to_status TEXT NOT NULL CHECK (to_status IN ('proposed', 'sent', 'accepted', 'arrived', 'completed', 'declined', 'cancelled')),
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    note TEXT
) STRICT;
INSERT INTO "referral_events" VALUES(1,1,NULL,'proposed','2026-12-05T11:26:23.437+00:00','dr_li','glucose 28');
INSERT INTO "referral_events" VALUES(2,1,'proposed','cancelled','2026-12-05T11:26:23.449+00:00','dr_li','seen locally');
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
INSERT INTO "referrals" VALUES(1,1,1,'ZJ-C01','ZJ-S01','urgent','glucose 28','cancelled',NULL,'bb97e2e0814d505756a349df0b73d6045464854553b0be2c1db65fa3ef9067f8','2026-12-05T11:26:23.437+00:00','dr_li','2026-12-05T11:26:23.449+00:00',NULL,NULL,NULL,NULL,NULL,'2026-12-05T11:26:23.449+00:00',NULL,NULL);
CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;
INSERT INTO "settings" VALUES('clinic_id','ZJ-C01');
INSERT INTO "settings" VALUES('pseudonym_secret','fb894df548b210ba3a01aa1aa1d8404c67e1ee5b2b745244e205db562a75e40a');
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
CREATE INDEX audit_entity ON audit(entity, entity_id);
COMMIT;
