import Foundation
import Network

/// Network state for the core (online, metered): videos may wait for Wi-Fi.
final class Connectivity {
    private let monitor = NWPathMonitor()
    private let queue = DispatchQueue(label: "vn.phananh.connectivity")

    func start(onChange: @escaping @Sendable (_ online: Bool, _ metered: Bool) -> Void) {
        monitor.pathUpdateHandler = { path in
            onChange(path.status == .satisfied, path.isExpensive || path.isConstrained)
        }
        monitor.start(queue: queue)
    }

    func stop() { monitor.cancel() }
}
