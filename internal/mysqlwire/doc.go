// Package mysqlwire is a minimal MySQL protocol client that runs
// server-side prepared statements (COM_STMT_PREPARE, COM_STMT_EXECUTE,
// COM_STMT_CLOSE) on a connection go-sql-driver opened, and hands back each
// binary result row as the raw payload of its packet, for a decoder to read
// without boxing values (internal/mysqlarrow). On a 1,000,000-row case
// table that halves the CPU the snapshot spends reading, against
// go-sql-driver's driver.Rows, which boxes every value in an interface and
// formats every date as text.
//
// go-sql-driver still owns the connection: it connects, authenticates and
// runs every other statement. The caller dials the socket through Dialer
// (mysql.Config.DialFunc), so it holds the same net.Conn, and uses a
// Session only inside sql.Conn.Raw, while the driver is idle between two
// commands and nothing is left unread on the socket: a command's response
// is read to its end before Raw returns. Sequence numbers restart with
// every command, so the driver's next command is unaffected.
//
// A Session needs a plain connection: with TLS or protocol compression the
// bytes on the socket are not packets, and NewSession returns nil. The
// client's handshake response, seen as Conn writes it, says which
// capabilities were agreed (TLS, compression, DEPRECATE_EOF and MariaDB's
// cached result metadata).
package mysqlwire
