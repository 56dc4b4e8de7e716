import Foundation
import os
import PhanAnhCore

/// The core's log records into the unified log (the core logs no personal data).
final class OSLogSink: LogSink {
    private let logger = Logger(subsystem: "vn.phananh.app", category: "core")

    func log(record: LogRecord) {
        let text = "\(record.target): \(record.message)"
        switch record.level {
        case .error: logger.error("\(text, privacy: .public)")
        case .warn: logger.warning("\(text, privacy: .public)")
        case .info: logger.info("\(text, privacy: .public)")
        case .debug, .trace: logger.debug("\(text, privacy: .public)")
        }
    }
}
