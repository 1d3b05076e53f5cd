package mysqlwire

// Capability flags of the MySQL protocol.
const (
	capProtocol41   = 1 << 9
	capSSL          = 1 << 11
	capCompress     = 1 << 5
	capMySQL        = 1 << 0 // unset by a MariaDB client: extended capabilities follow
	capDeprecateEOF = 1 << 24
	// MariaDB extended capability: result metadata is sent only when it changed.
	capExtCacheMetadata = 1 << 4
)

// Commands, field types and flags of the protocol.
const (
	comStmtPrepare = 0x16
	comStmtExecute = 0x17
	comStmtClose   = 0x19

	TypeDecimal    = 0x00
	TypeTiny       = 0x01
	TypeShort      = 0x02
	TypeLong       = 0x03
	TypeFloat      = 0x04
	TypeDouble     = 0x05
	TypeNull       = 0x06
	TypeTimestamp  = 0x07
	TypeLongLong   = 0x08
	TypeInt24      = 0x09
	TypeDate       = 0x0a
	TypeTime       = 0x0b
	TypeDateTime   = 0x0c
	TypeYear       = 0x0d
	TypeNewDate    = 0x0e
	TypeVarChar    = 0x0f
	TypeBit        = 0x10
	TypeVector     = 0xf2
	TypeJSON       = 0xf5
	TypeNewDecimal = 0xf6
	TypeEnum       = 0xf7
	TypeSet        = 0xf8
	TypeTinyBlob   = 0xf9
	TypeMediumBlob = 0xfa
	TypeLongBlob   = 0xfb
	TypeBlob       = 0xfc
	TypeVarString  = 0xfd
	TypeString     = 0xfe
	TypeGeometry   = 0xff

	FlagUnsigned = 0x20

	statusMoreResults = 0x0008

	maxPacket = 1<<24 - 1
)
