import PhanAnhCore
import SwiftUI

/// Smallest height of anything tappable: above Apple's 44 pt, for older residents.
let minTouch: CGFloat = 56

/// Status as a coloured capsule with its name (colour is never the only signal).
struct StatusBadge: View {
    let status: ReportStatus
    var body: some View {
        Label(statusText(status), systemImage: "circle.fill")
            .labelStyle(.titleAndIcon)
            .font(.subheadline.weight(.medium))
            .foregroundStyle(statusColor(status))
            .padding(.horizontal, 10).padding(.vertical, 4)
            .background(statusColor(status).opacity(0.12), in: Capsule())
            .accessibilityElement(children: .combine)
    }
}

func statusColor(_ status: ReportStatus) -> Color {
    switch status {
    case .received: return Color(red: 0.08, green: 0.40, blue: 0.75)
    case .forwarded: return Color(red: 0.27, green: 0.15, blue: 0.63)
    case .inProgress: return Color(red: 0.54, green: 0.33, blue: 0.0)
    case .resolved: return Color(red: 0.11, green: 0.42, blue: 0.23)
    case .closed, .duplicate: return Color(white: 0.35)
    case .rejected: return Color(red: 0.70, green: 0.15, blue: 0.12)
    case .reopened: return Color(red: 0.70, green: 0.28, blue: 0.0)
    }
}

/// A photo as a square thumbnail: a file on the phone, or a report's file on the server through
/// the core's media cache (offline from the phone's copy), decoded off the main thread. When a
/// server photo cannot be had, the placeholder says why (as Android's Thumbnail does). A video's
/// poster frame is shown with a play badge.
struct Thumbnail: View {
    let source: PhotoSource?
    var size: CGFloat = 84
    @State private var image: UIImage?
    @State private var unavailable: MediaUnavailable?

    init(_ source: PhotoSource?, size: CGFloat = 84) {
        self.source = source
        self.size = size
    }

    init(path: String?, size: CGFloat = 84) {
        self.init(path.map { PhotoSource.local($0) }, size: size)
    }

    var body: some View {
        ZStack {
            RoundedRectangle(cornerRadius: 12).fill(Color(.secondarySystemBackground))
            if let image {
                Image(uiImage: image).resizable().scaledToFill()
            } else if let unavailable, size >= 56 {
                Text(unavailable.text)
                    .font(.caption2)
                    .foregroundStyle(.secondary)
                    .multilineTextAlignment(.center)
                    .padding(4)
            } else {
                Image(systemName: "mappin.and.ellipse").foregroundStyle(.secondary)
            }
        }
        .frame(width: size, height: size)
        .clipShape(RoundedRectangle(cornerRadius: 12))
        .overlay {
            if source?.isVideo == true {
                Image(systemName: "play.fill").foregroundStyle(.white).padding(10).background(Circle().fill(Color.black.opacity(0.55)))
            }
        }
        .task(id: source) { await load() }
        // The reason is read out; a photo or the neutral placeholder is decoration.
        .accessibilityHidden(unavailable == nil)
    }

    @MainActor private func load() async {
        image = nil
        unavailable = nil
        guard let source else { return }
        let path: String
        switch source {
        case .local(let p):
            path = p
        case .remote(let media, let keep), .poster(let media, let keep):
            guard let core = AppEnvironment.shared.core else { unavailable = .failed; return }
            let fetched: Result<String, MediaUnavailable>
            if source.isVideo {
                fetched = await core.mediaPoster(media, keep: keep)
            } else {
                fetched = await core.mediaFile(media, keep: keep)
            }
            switch fetched {
            case .success(let p): path = p
            case .failure(let why): unavailable = why; return
            }
        }
        let side = size * 3
        let decoded = await Task.detached(priority: .utility) {
            UIImage(contentsOfFile: path)?.preparingThumbnail(of: CGSize(width: side, height: side))
        }.value
        if Task.isCancelled { return }
        image = decoded
        // The core checked the file's hash and header; one that still does not decode is damaged.
        if decoded == nil, !source.isLocal { unavailable = .damaged }
    }
}

struct ErrorBanner: View {
    let error: Error
    var retry: (() -> Void)?
    var body: some View {
        HStack(alignment: .top, spacing: 10) {
            Image(systemName: "exclamationmark.triangle.fill")
            Text(errorText(error)).frame(maxWidth: .infinity, alignment: .leading)
            if let retry {
                Button(tr("action_retry"), action: retry).frame(minHeight: minTouch)
            }
        }
        .padding(12)
        .foregroundStyle(Color(red: 0.45, green: 0.05, blue: 0.05))
        .background(Color.red.opacity(0.1), in: RoundedRectangle(cornerRadius: 12))
    }
}

struct FieldErrors: View {
    let problems: [FieldError]
    var body: some View {
        ForEach(Array(problems.enumerated()), id: \.offset) { _, p in
            Label(problemText(p), systemImage: "exclamationmark.circle.fill")
                .foregroundStyle(.red)
                .font(.callout)
        }
    }
}

/// The main action of a screen: full width, tall, easy to hit.
struct PrimaryButton: View {
    let title: String
    var busy = false
    let action: () -> Void
    var body: some View {
        Button(action: action) {
            HStack {
                if busy { ProgressView().tint(.white) }
                Text(title).font(.headline)
            }
            .frame(maxWidth: .infinity, minHeight: minTouch)
        }
        .buttonStyle(.borderedProminent)
        .disabled(busy)
    }
}

extension Array where Element == FieldError {
    /// Problems of `field`, including its list entries (`attachments[2]`).
    func forField(_ field: String) -> [FieldError] {
        filter { $0.field == field || $0.field.hasPrefix(field + "[") }
    }
}
