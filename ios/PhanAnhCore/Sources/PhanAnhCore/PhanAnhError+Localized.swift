import Foundation

// Hand-written next to the generated Generated/PhanAnhCore.swift (same module): lets the app show a core
// error through the usual Foundation protocol. The text itself is localized by the app from
// `code` (the same stable codes as Android).
extension PhanAnhError: LocalizedError {
    public var errorDescription: String? { code() }
}
