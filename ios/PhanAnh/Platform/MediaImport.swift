import CoreTransferable
import Foundation
import PhotosUI
import SwiftUI
import UniformTypeIdentifiers

/// A video from the photo picker, handed over as a file (never loaded into memory).
struct PickedMovie: Transferable {
    let url: URL

    static var transferRepresentation: some TransferRepresentation {
        FileRepresentation(contentType: .movie) { movie in
            SentTransferredFile(movie.url)
        } importing: { received in
            let copy = MediaImport.temporaryURL(ext: received.file.pathExtension.isEmpty ? "mov" : received.file.pathExtension)
            try FileManager.default.copyItem(at: received.file, to: copy)
            return PickedMovie(url: copy)
        }
    }
}

/// Turns picker items into files in the app's temporary folder; the core copies them into its
/// own storage, after which the temporary file is removed.
enum MediaImport {
    static func temporaryURL(ext: String) -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("imports", isDirectory: true)
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(UUID().uuidString).appendingPathExtension(ext)
    }

    /// The original bytes (HEIC/JPEG with their EXIF, so the core can offer the photo's own GPS).
    static func file(for item: PhotosPickerItem) async throws -> URL? {
        if item.supportedContentTypes.contains(where: { $0.conforms(to: .movie) }) {
            return try await item.loadTransferable(type: PickedMovie.self)?.url
        }
        guard let data = try await item.loadTransferable(type: Data.self) else { return nil }
        let ext = item.supportedContentTypes.first?.preferredFilenameExtension ?? "jpg"
        let url = temporaryURL(ext: ext)
        try data.write(to: url, options: .atomic)
        return url
    }

    static func discard(_ url: URL) {
        try? FileManager.default.removeItem(at: url)
    }
}
