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

/// A photo as a square thumbnail: a local file (decoded off the main thread) or a server URL.
/// `isVideo`: the image is a video's poster frame, shown with a play badge.
struct Thumbnail: View {
    let path: String?
    var size: CGFloat = 84
    var isVideo = false
    @State private var image: UIImage?

    private var remoteURL: URL? {
        guard let path, path.hasPrefix("https://") || path.hasPrefix("http://") else { return nil }
        return URL(string: path)
    }

    var body: some View {
        ZStack {
            RoundedRectangle(cornerRadius: 12).fill(Color(.secondarySystemBackground))
            if let remoteURL {
                AsyncImage(url: remoteURL) { image in image.resizable().scaledToFill() } placeholder: { ProgressView() }
            } else if let image {
                Image(uiImage: image).resizable().scaledToFill()
            } else {
                Image(systemName: "mappin.and.ellipse").foregroundStyle(.secondary)
            }
        }
        .frame(width: size, height: size)
        .clipShape(RoundedRectangle(cornerRadius: 12))
        .overlay {
            if isVideo {
                Image(systemName: "play.fill").foregroundStyle(.white).padding(10).background(Circle().fill(Color.black.opacity(0.55)))
            }
        }
        .task(id: path) {
            guard let path, remoteURL == nil else { return }
            let side = size * 3
            image = await Task.detached(priority: .utility) {
                UIImage(contentsOfFile: path)?.preparingThumbnail(of: CGSize(width: side, height: side))
            }.value
        }
        .accessibilityHidden(true)
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
