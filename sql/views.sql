-- The operators' views over the rcmdd audit log; sql/queries.sql shows
-- them in use. rcmdd applies this file to a new database and after each
-- schema upgrade, so that every database has the views of its rcmdd.
--
-- The columns a client fills (command, reason, client_name, identity) are
-- stored byte for byte: they are evidence. The views show them safe for a
-- terminal: each C0 control character and DEL as \xNN, and each C1
-- control, the bidirectional controls U+200E, U+200F, U+202A to U+202E
-- and U+2066 to U+2069, and the separators U+2028 and U+2029 as \u{N},
-- so that no escape sequence reaches the reader's terminal and no
-- carriage return or reordering hides part of a command. A backslash is
-- shown as it is. The exact bytes: SELECT hex(command) or quote(command)
-- FROM commands. Nothing is registered in SQLite, so the views work in the
-- plain sqlite3 shell: the replace() calls run only on values that hold a
-- character outside printable ASCII.

DROP VIEW IF EXISTS recent_commands;
DROP VIEW IF EXISTS failed_commands;
DROP VIEW IF EXISTS denied_attempts;
DROP VIEW IF EXISTS top_clients;
DROP VIEW IF EXISTS longest_commands;
DROP VIEW IF EXISTS safe_commands;

-- Every row, with the columns a client fills made safe to show, and
-- command_60: the first 60 characters of the command, made safe, which the
-- other views show.
CREATE VIEW safe_commands AS
	WITH s1 AS (SELECT id,
	    CASE WHEN client_name GLOB '*[^ -~]*' THEN
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    client_name,
	    char(1), '\x01'), char(2), '\x02'), char(3), '\x03'),
	    char(4), '\x04'), char(5), '\x05'), char(6), '\x06'),
	    char(7), '\x07'), char(8), '\x08'), char(9), '\x09'),
	    char(10), '\x0a'), char(11), '\x0b'), char(12), '\x0c'),
	    char(13), '\x0d'), char(14), '\x0e'), char(15), '\x0f'),
	    char(16), '\x10')
	    ELSE client_name END AS client_name,
	    CASE WHEN identity GLOB '*[^ -~]*' THEN
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    identity,
	    char(1), '\x01'), char(2), '\x02'), char(3), '\x03'),
	    char(4), '\x04'), char(5), '\x05'), char(6), '\x06'),
	    char(7), '\x07'), char(8), '\x08'), char(9), '\x09'),
	    char(10), '\x0a'), char(11), '\x0b'), char(12), '\x0c'),
	    char(13), '\x0d'), char(14), '\x0e'), char(15), '\x0f'),
	    char(16), '\x10')
	    ELSE identity END AS identity,
	    CASE WHEN command GLOB '*[^ -~]*' THEN
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    command,
	    char(1), '\x01'), char(2), '\x02'), char(3), '\x03'),
	    char(4), '\x04'), char(5), '\x05'), char(6), '\x06'),
	    char(7), '\x07'), char(8), '\x08'), char(9), '\x09'),
	    char(10), '\x0a'), char(11), '\x0b'), char(12), '\x0c'),
	    char(13), '\x0d'), char(14), '\x0e'), char(15), '\x0f'),
	    char(16), '\x10')
	    ELSE command END AS command,
	    CASE WHEN command_60 GLOB '*[^ -~]*' THEN
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    command_60,
	    char(1), '\x01'), char(2), '\x02'), char(3), '\x03'),
	    char(4), '\x04'), char(5), '\x05'), char(6), '\x06'),
	    char(7), '\x07'), char(8), '\x08'), char(9), '\x09'),
	    char(10), '\x0a'), char(11), '\x0b'), char(12), '\x0c'),
	    char(13), '\x0d'), char(14), '\x0e'), char(15), '\x0f'),
	    char(16), '\x10')
	    ELSE command_60 END AS command_60,
	    CASE WHEN reason GLOB '*[^ -~]*' THEN
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    reason,
	    char(1), '\x01'), char(2), '\x02'), char(3), '\x03'),
	    char(4), '\x04'), char(5), '\x05'), char(6), '\x06'),
	    char(7), '\x07'), char(8), '\x08'), char(9), '\x09'),
	    char(10), '\x0a'), char(11), '\x0b'), char(12), '\x0c'),
	    char(13), '\x0d'), char(14), '\x0e'), char(15), '\x0f'),
	    char(16), '\x10')
	    ELSE reason END AS reason
	FROM (SELECT id, client_name, identity, command,
	    substr(command, 1, 60) AS command_60, reason FROM commands)),
s2 AS (SELECT id,
	    CASE WHEN client_name GLOB '*[^ -~]*' THEN
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    client_name,
	    char(17), '\x11'), char(18), '\x12'), char(19), '\x13'),
	    char(20), '\x14'), char(21), '\x15'), char(22), '\x16'),
	    char(23), '\x17'), char(24), '\x18'), char(25), '\x19'),
	    char(26), '\x1a'), char(27), '\x1b'), char(28), '\x1c'),
	    char(29), '\x1d'), char(30), '\x1e'), char(31), '\x1f'),
	    char(127), '\x7f')
	    ELSE client_name END AS client_name,
	    CASE WHEN identity GLOB '*[^ -~]*' THEN
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    identity,
	    char(17), '\x11'), char(18), '\x12'), char(19), '\x13'),
	    char(20), '\x14'), char(21), '\x15'), char(22), '\x16'),
	    char(23), '\x17'), char(24), '\x18'), char(25), '\x19'),
	    char(26), '\x1a'), char(27), '\x1b'), char(28), '\x1c'),
	    char(29), '\x1d'), char(30), '\x1e'), char(31), '\x1f'),
	    char(127), '\x7f')
	    ELSE identity END AS identity,
	    CASE WHEN command GLOB '*[^ -~]*' THEN
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    command,
	    char(17), '\x11'), char(18), '\x12'), char(19), '\x13'),
	    char(20), '\x14'), char(21), '\x15'), char(22), '\x16'),
	    char(23), '\x17'), char(24), '\x18'), char(25), '\x19'),
	    char(26), '\x1a'), char(27), '\x1b'), char(28), '\x1c'),
	    char(29), '\x1d'), char(30), '\x1e'), char(31), '\x1f'),
	    char(127), '\x7f')
	    ELSE command END AS command,
	    CASE WHEN command_60 GLOB '*[^ -~]*' THEN
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    command_60,
	    char(17), '\x11'), char(18), '\x12'), char(19), '\x13'),
	    char(20), '\x14'), char(21), '\x15'), char(22), '\x16'),
	    char(23), '\x17'), char(24), '\x18'), char(25), '\x19'),
	    char(26), '\x1a'), char(27), '\x1b'), char(28), '\x1c'),
	    char(29), '\x1d'), char(30), '\x1e'), char(31), '\x1f'),
	    char(127), '\x7f')
	    ELSE command_60 END AS command_60,
	    CASE WHEN reason GLOB '*[^ -~]*' THEN
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    reason,
	    char(17), '\x11'), char(18), '\x12'), char(19), '\x13'),
	    char(20), '\x14'), char(21), '\x15'), char(22), '\x16'),
	    char(23), '\x17'), char(24), '\x18'), char(25), '\x19'),
	    char(26), '\x1a'), char(27), '\x1b'), char(28), '\x1c'),
	    char(29), '\x1d'), char(30), '\x1e'), char(31), '\x1f'),
	    char(127), '\x7f')
	    ELSE reason END AS reason
	FROM s1),
s3 AS (SELECT id,
	    CASE WHEN client_name GLOB '*[^ -~]*' THEN
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    client_name,
	    char(128), '\u{80}'), char(129), '\u{81}'), char(130), '\u{82}'),
	    char(131), '\u{83}'), char(132), '\u{84}'), char(133), '\u{85}'),
	    char(134), '\u{86}'), char(135), '\u{87}'), char(136), '\u{88}'),
	    char(137), '\u{89}'), char(138), '\u{8a}'), char(139), '\u{8b}'),
	    char(140), '\u{8c}'), char(141), '\u{8d}'), char(142), '\u{8e}'),
	    char(143), '\u{8f}')
	    ELSE client_name END AS client_name,
	    CASE WHEN identity GLOB '*[^ -~]*' THEN
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    identity,
	    char(128), '\u{80}'), char(129), '\u{81}'), char(130), '\u{82}'),
	    char(131), '\u{83}'), char(132), '\u{84}'), char(133), '\u{85}'),
	    char(134), '\u{86}'), char(135), '\u{87}'), char(136), '\u{88}'),
	    char(137), '\u{89}'), char(138), '\u{8a}'), char(139), '\u{8b}'),
	    char(140), '\u{8c}'), char(141), '\u{8d}'), char(142), '\u{8e}'),
	    char(143), '\u{8f}')
	    ELSE identity END AS identity,
	    CASE WHEN command GLOB '*[^ -~]*' THEN
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    command,
	    char(128), '\u{80}'), char(129), '\u{81}'), char(130), '\u{82}'),
	    char(131), '\u{83}'), char(132), '\u{84}'), char(133), '\u{85}'),
	    char(134), '\u{86}'), char(135), '\u{87}'), char(136), '\u{88}'),
	    char(137), '\u{89}'), char(138), '\u{8a}'), char(139), '\u{8b}'),
	    char(140), '\u{8c}'), char(141), '\u{8d}'), char(142), '\u{8e}'),
	    char(143), '\u{8f}')
	    ELSE command END AS command,
	    CASE WHEN command_60 GLOB '*[^ -~]*' THEN
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    command_60,
	    char(128), '\u{80}'), char(129), '\u{81}'), char(130), '\u{82}'),
	    char(131), '\u{83}'), char(132), '\u{84}'), char(133), '\u{85}'),
	    char(134), '\u{86}'), char(135), '\u{87}'), char(136), '\u{88}'),
	    char(137), '\u{89}'), char(138), '\u{8a}'), char(139), '\u{8b}'),
	    char(140), '\u{8c}'), char(141), '\u{8d}'), char(142), '\u{8e}'),
	    char(143), '\u{8f}')
	    ELSE command_60 END AS command_60,
	    CASE WHEN reason GLOB '*[^ -~]*' THEN
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    reason,
	    char(128), '\u{80}'), char(129), '\u{81}'), char(130), '\u{82}'),
	    char(131), '\u{83}'), char(132), '\u{84}'), char(133), '\u{85}'),
	    char(134), '\u{86}'), char(135), '\u{87}'), char(136), '\u{88}'),
	    char(137), '\u{89}'), char(138), '\u{8a}'), char(139), '\u{8b}'),
	    char(140), '\u{8c}'), char(141), '\u{8d}'), char(142), '\u{8e}'),
	    char(143), '\u{8f}')
	    ELSE reason END AS reason
	FROM s2),
s4 AS (SELECT id,
	    CASE WHEN client_name GLOB '*[^ -~]*' THEN
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    client_name,
	    char(144), '\u{90}'), char(145), '\u{91}'), char(146), '\u{92}'),
	    char(147), '\u{93}'), char(148), '\u{94}'), char(149), '\u{95}'),
	    char(150), '\u{96}'), char(151), '\u{97}'), char(152), '\u{98}'),
	    char(153), '\u{99}'), char(154), '\u{9a}'), char(155), '\u{9b}'),
	    char(156), '\u{9c}'), char(157), '\u{9d}'), char(158), '\u{9e}'),
	    char(159), '\u{9f}')
	    ELSE client_name END AS client_name,
	    CASE WHEN identity GLOB '*[^ -~]*' THEN
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    identity,
	    char(144), '\u{90}'), char(145), '\u{91}'), char(146), '\u{92}'),
	    char(147), '\u{93}'), char(148), '\u{94}'), char(149), '\u{95}'),
	    char(150), '\u{96}'), char(151), '\u{97}'), char(152), '\u{98}'),
	    char(153), '\u{99}'), char(154), '\u{9a}'), char(155), '\u{9b}'),
	    char(156), '\u{9c}'), char(157), '\u{9d}'), char(158), '\u{9e}'),
	    char(159), '\u{9f}')
	    ELSE identity END AS identity,
	    CASE WHEN command GLOB '*[^ -~]*' THEN
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    command,
	    char(144), '\u{90}'), char(145), '\u{91}'), char(146), '\u{92}'),
	    char(147), '\u{93}'), char(148), '\u{94}'), char(149), '\u{95}'),
	    char(150), '\u{96}'), char(151), '\u{97}'), char(152), '\u{98}'),
	    char(153), '\u{99}'), char(154), '\u{9a}'), char(155), '\u{9b}'),
	    char(156), '\u{9c}'), char(157), '\u{9d}'), char(158), '\u{9e}'),
	    char(159), '\u{9f}')
	    ELSE command END AS command,
	    CASE WHEN command_60 GLOB '*[^ -~]*' THEN
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    command_60,
	    char(144), '\u{90}'), char(145), '\u{91}'), char(146), '\u{92}'),
	    char(147), '\u{93}'), char(148), '\u{94}'), char(149), '\u{95}'),
	    char(150), '\u{96}'), char(151), '\u{97}'), char(152), '\u{98}'),
	    char(153), '\u{99}'), char(154), '\u{9a}'), char(155), '\u{9b}'),
	    char(156), '\u{9c}'), char(157), '\u{9d}'), char(158), '\u{9e}'),
	    char(159), '\u{9f}')
	    ELSE command_60 END AS command_60,
	    CASE WHEN reason GLOB '*[^ -~]*' THEN
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    reason,
	    char(144), '\u{90}'), char(145), '\u{91}'), char(146), '\u{92}'),
	    char(147), '\u{93}'), char(148), '\u{94}'), char(149), '\u{95}'),
	    char(150), '\u{96}'), char(151), '\u{97}'), char(152), '\u{98}'),
	    char(153), '\u{99}'), char(154), '\u{9a}'), char(155), '\u{9b}'),
	    char(156), '\u{9c}'), char(157), '\u{9d}'), char(158), '\u{9e}'),
	    char(159), '\u{9f}')
	    ELSE reason END AS reason
	FROM s3),
s5 AS (SELECT id,
	    CASE WHEN client_name GLOB '*[^ -~]*' THEN
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    replace(replace(replace(replace(replace(
	    client_name,
	    char(8206), '\u{200e}'), char(8207), '\u{200f}'), char(8234), '\u{202a}'),
	    char(8235), '\u{202b}'), char(8236), '\u{202c}'), char(8237), '\u{202d}'),
	    char(8238), '\u{202e}'), char(8294), '\u{2066}'), char(8295), '\u{2067}'),
	    char(8296), '\u{2068}'), char(8297), '\u{2069}'), char(8232), '\u{2028}'),
	    char(8233), '\u{2029}')
	    ELSE client_name END AS client_name,
	    CASE WHEN identity GLOB '*[^ -~]*' THEN
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    replace(replace(replace(replace(replace(
	    identity,
	    char(8206), '\u{200e}'), char(8207), '\u{200f}'), char(8234), '\u{202a}'),
	    char(8235), '\u{202b}'), char(8236), '\u{202c}'), char(8237), '\u{202d}'),
	    char(8238), '\u{202e}'), char(8294), '\u{2066}'), char(8295), '\u{2067}'),
	    char(8296), '\u{2068}'), char(8297), '\u{2069}'), char(8232), '\u{2028}'),
	    char(8233), '\u{2029}')
	    ELSE identity END AS identity,
	    CASE WHEN command GLOB '*[^ -~]*' THEN
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    replace(replace(replace(replace(replace(
	    command,
	    char(8206), '\u{200e}'), char(8207), '\u{200f}'), char(8234), '\u{202a}'),
	    char(8235), '\u{202b}'), char(8236), '\u{202c}'), char(8237), '\u{202d}'),
	    char(8238), '\u{202e}'), char(8294), '\u{2066}'), char(8295), '\u{2067}'),
	    char(8296), '\u{2068}'), char(8297), '\u{2069}'), char(8232), '\u{2028}'),
	    char(8233), '\u{2029}')
	    ELSE command END AS command,
	    CASE WHEN command_60 GLOB '*[^ -~]*' THEN
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    replace(replace(replace(replace(replace(
	    command_60,
	    char(8206), '\u{200e}'), char(8207), '\u{200f}'), char(8234), '\u{202a}'),
	    char(8235), '\u{202b}'), char(8236), '\u{202c}'), char(8237), '\u{202d}'),
	    char(8238), '\u{202e}'), char(8294), '\u{2066}'), char(8295), '\u{2067}'),
	    char(8296), '\u{2068}'), char(8297), '\u{2069}'), char(8232), '\u{2028}'),
	    char(8233), '\u{2029}')
	    ELSE command_60 END AS command_60,
	    CASE WHEN reason GLOB '*[^ -~]*' THEN
	    replace(replace(replace(replace(replace(replace(replace(replace(
	    replace(replace(replace(replace(replace(
	    reason,
	    char(8206), '\u{200e}'), char(8207), '\u{200f}'), char(8234), '\u{202a}'),
	    char(8235), '\u{202b}'), char(8236), '\u{202c}'), char(8237), '\u{202d}'),
	    char(8238), '\u{202e}'), char(8294), '\u{2066}'), char(8295), '\u{2067}'),
	    char(8296), '\u{2068}'), char(8297), '\u{2069}'), char(8232), '\u{2028}'),
	    char(8233), '\u{2029}')
	    ELSE reason END AS reason
	FROM s4)
	SELECT c.id, c.started_at, c.finished_at, c.client_addr, c.client_port,
	    s.client_name, s.identity, c.fingerprint, s.command, c.status,
	    c.exit_code, c.signal, c.duration_ms, c.output, c.output_bytes,
	    c.truncated, s.reason, c.seq, c.hash, c.end_seq, c.end_hash,
	    c.chain_version, s.command_60
	FROM commands AS c JOIN s5 AS s ON s.id = c.id;

CREATE VIEW recent_commands AS
	SELECT id, started_at, client_addr, identity, status, exit_code,
	    signal, duration_ms, command_60 AS command
	FROM safe_commands ORDER BY id DESC LIMIT 50;

CREATE VIEW failed_commands AS
	SELECT id, started_at, client_addr, identity, status, exit_code,
	    signal, command_60 AS command, reason
	FROM safe_commands
	WHERE status NOT IN ('running', 'denied')
	    AND NOT (status = 'exited' AND exit_code = 0)
	ORDER BY id DESC;

CREATE VIEW denied_attempts AS
	SELECT id, started_at, client_addr, client_port, identity, reason
	FROM safe_commands WHERE status = 'denied' ORDER BY id DESC;

CREATE VIEW top_clients AS
	SELECT client_addr, identity, count(*) AS commands,
	    sum(status NOT IN ('running', 'denied')
	        AND NOT (status = 'exited' AND exit_code = 0)) AS failed,
	    sum(status = 'denied') AS denied, max(started_at) AS last_seen
	FROM safe_commands GROUP BY client_addr, identity
	ORDER BY commands DESC;

CREATE VIEW longest_commands AS
	SELECT id, started_at, client_addr, duration_ms, status,
	    command_60 AS command
	FROM safe_commands WHERE duration_ms IS NOT NULL
	ORDER BY duration_ms DESC LIMIT 20;
