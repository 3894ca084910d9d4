-- The all-types fixture (issue 6): one wide table, a row of typical values, rows of
-- minimum and maximum values, a row of NULLs, and rows of edge values (NaN, ±infinity,
-- empty values, DST transitions, years before 1 and after 9999, a TOASTed 10 MB text).
-- test_types.py loads it and compares every cell of pgtide's Parquet with PostgreSQL.

CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy', 'très content');
CREATE DOMAIN price AS numeric(10, 2) CHECK (VALUE > -100000000);
CREATE TYPE stamp AS (n int, label text, at timestamptz);

CREATE TABLE all_types (
  id           int PRIMARY KEY,
  c_smallint   smallint,
  c_int        integer,
  c_bigint     bigint,
  c_real       real,
  c_double     double precision,
  c_num_12_2   numeric(12, 2),
  c_num_38_10  numeric(38, 10),
  c_num_38_0   numeric(38, 0),
  c_num_50_5   numeric(50, 5),
  c_num_neg    numeric(5, -2),
  c_num        numeric,
  c_money      money,
  c_text       text,
  c_varchar    varchar(20),
  c_char       char(6),
  c_qchar      "char",
  c_bool       boolean,
  c_date       date,
  c_ts         timestamp,
  c_tstz       timestamptz,
  c_time       time,
  c_timetz     timetz,
  c_interval   interval,
  c_uuid       uuid,
  c_bytea      bytea,
  c_json       json,
  c_jsonb      jsonb,
  c_inet       inet,
  c_cidr       cidr,
  c_macaddr    macaddr,
  c_macaddr8   macaddr8,
  c_bit        bit(8),
  c_varbit     varbit(16),
  c_tsvector   tsvector,
  c_xml        xml,
  c_mood       mood,
  c_price      price,
  c_stamp      stamp,
  c_int_arr    int[],
  c_int_2d     int[][],
  c_text_arr   text[],
  c_num_arr    numeric(10, 2)[],
  c_numu_arr   numeric[],
  c_mood_arr   mood[],
  c_uuid_arr   uuid[],
  c_inet_arr   inet[],
  c_toast      text,
  c_nn_int     int NOT NULL,
  c_nn_text    text NOT NULL
);

-- 1: typical values; a timestamp in New York's spring-forward gap.
INSERT INTO all_types VALUES (1,
  1, 42, 9, 1.5, 0.1, 123.45, 1234567890.0123456789, 1, 12345678901234567890123456789012345678901234.56789,
  12300, 3.14159265358979323846264338327950288419716939937510, 12.34,
  'héllo wörld', 'abc', 'ab', 'a', true,
  '2024-02-29', '2024-03-10 02:30:00', '2024-03-10 01:59:59.999999-05', '13:14:15.123456',
  '13:14:15.5+05:30', '1 year 2 mons 3 days 04:05:06.789',
  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '\xdeadbeef',
  '{"a": [1, 2.50, "x"],  "a": true}', '{"b": null, "a": 1.10}',
  '192.168.0.1/24', '10.0.0.0/8', '08:00:2b:01:02:03', '08:00:2b:01:02:03:04:05',
  B'10101010', B'1', 'a fat cat sat on a mat', '<a href="x">t&amp;t</a>',
  'happy', 19.99, ROW(1, 'a "quoted", label', '2024-01-01 12:00:00+00'),
  '{1,NULL,3}', '{{1,2},{3,NULL}}', ARRAY['a b', 'NULL', NULL, '', 'é,"x"\', '{}'],
  '{1.50,NULL,-99999999.99}', '{NaN,0.00001,Infinity,NULL,-Infinity}',
  '{happy,NULL,"très content"}', '{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,NULL}',
  '{::1,NULL,10.1.2.3/16}', 'short', 1, 'one');

-- 2: minimum values, years BC.
INSERT INTO all_types VALUES (2,
  -32768, -2147483648, -9223372036854775808, -3.4028235e+38, -1.7976931348623157e+308,
  -9999999999.99, -9999999999999999999999999999.9999999999, -99999999999999999999999999999999999999,
  -999999999999999999999999999999999999999999999.99999, -9999900, '-Infinity',
  -92233720368547758.08,
  'ünïcödé 日本語 😀', '日本語テキスト', 'é', E'\\200', false,
  '4713-01-01 BC', '4713-01-01 00:00:00 BC', '4713-01-01 00:00:00+00 BC', '00:00:00',
  '00:00:00-15:59', '-178956970 years -8 mons -2147483648 days -2562047788:00:54.775807',
  '00000000-0000-0000-0000-000000000000', '\x00',
  '[]', '[]', '::1', '::/0', '00:00:00:00:00:00', '00:00:00:00:00:00:00:00',
  B'00000000', B'', '', '',
  'sad', -99999999.99, ROW(NULL, NULL, NULL),
  '{}', '{}', '{}', '{}', '{}', '{}', '{}', '{}', '', -2147483648, '');

-- 3: maximum values, years after 9999.
INSERT INTO all_types VALUES (3,
  32767, 2147483647, 9223372036854775807, 3.4028235e+38, 1.7976931348623157e+308,
  9999999999.99, 9999999999999999999999999999.9999999999, 99999999999999999999999999999999999999,
  999999999999999999999999999999999999999999999.99999, 9999900, 'Infinity',
  92233720368547758.07,
  repeat('x', 5000), repeat('ÿ', 20), 'abcdef', 'z', true,
  '5874897-12-31', '294246-12-31 23:59:59.999999', '294246-12-31 23:59:59.999999+00', '24:00:00',
  '24:00:00+15:59', '178956970 years 7 mons 2147483647 days 2562047788:00:54.775807',
  'ffffffff-ffff-ffff-ffff-ffffffffffff', decode(repeat('00ff7f80', 262144), 'hex'),
  '"\u00e9 😀"', '{"k": "日本", "n": [1e400, -0]}', '2001:db8::1/64', '2001:db8::/32',
  'ff:ff:ff:ff:ff:ff', 'ff:ff:ff:ff:ff:ff:ff:ff',
  B'11111111', B'1111111111111111', 'über naïve café:1A', '<?xml version="1.0"?><r>ü</r>',
  'très content', 99999999.99, ROW(-1, '', 'infinity'),
  '{-2147483648,2147483647}', '{{NULL}}', '{NULL}', '{99999999.99}', '{1e-100}', '{ok}',
  '{ffffffff-ffff-ffff-ffff-ffffffffffff}', '{0.0.0.0/0}', 'x', 2147483647, 'three');

-- 4: NULL in every nullable column.
INSERT INTO all_types (id, c_nn_int, c_nn_text) VALUES (4, 0, 'nulls');

-- 5: edge values: NaN, +infinity, empties, the TOASTed 10 MB text.
INSERT INTO all_types VALUES (5,
  0, 0, 0, 'NaN', 'NaN', 0, 0.0000000001, 0, 0.00001, 0, 'NaN', 0,
  '', '', '', NULL, false,
  'infinity', 'infinity', 'infinity', '23:59:59.999999', '12:00:00+00', '0',
  '123e4567-e89b-12d3-a456-426614174000', '',
  'null', 'null', '0.0.0.0', '0.0.0.0/32', '01:02:03:04:05:06', '01:02:03:04:05:06:07:08',
  B'00000001', B'0', 'a:1 b:2', 'text only',
  'ok', 0, ROW(0, 'x', '1970-01-01 00:00:00+00'),
  '{NULL}', '{{1},{2},{3}}', ARRAY['  lead', 'trail  ', E'tab\there', E'new\nline', 'a{b}'], '{0.00}', '{NaN}',
  '{sad,sad}', '{NULL}', '{NULL,NULL}',
  (SELECT string_agg(md5(i::text), '') FROM generate_series(1, 327680) AS i), 5, 'toast');

-- 6: -infinity, float infinities and subnormals, a negative interval, year 0 (1 BC).
INSERT INTO all_types (id, c_real, c_double, c_num, c_date, c_ts, c_tstz, c_interval, c_time,
                       c_text, c_nn_int, c_nn_text)
VALUES (6, 'Infinity', '-Infinity', 1e200, '-infinity', '-infinity', '-infinity',
        '-1 mons +1 days -00:00:00.000001', '00:00:00.000001', 'tab	and
newline', 6, 'six');

-- 7: the first 01:30 of New York's fall-back hour, -0, the smallest subnormals.
INSERT INTO all_types (id, c_real, c_double, c_num, c_date, c_ts, c_tstz, c_nn_int, c_nn_text)
VALUES (7, '-Infinity', '-0', 0.000000000000000000001230, '0001-01-01', '1969-12-31 23:59:59.999999',
        '2024-11-03 01:30:00-04', 7, 'seven');

-- 8: the second 01:30 (EST), a local time that the server's TimeZone resolves, years 0 and 10000.
INSERT INTO all_types (id, c_real, c_double, c_date, c_ts, c_tstz, c_time, c_nn_int, c_nn_text)
VALUES (8, 1.4e-45, 5e-324, '0001-12-31 BC', '10000-01-01 00:00:00.000001', '2024-11-03 01:30:00-05',
        '12:00:00', 8, 'eight');
INSERT INTO all_types (id, c_tstz, c_date, c_nn_int, c_nn_text)
VALUES (9, '2024-03-10 03:00:00', '9999-12-31', 9, 'nine');
