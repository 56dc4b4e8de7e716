import AVFoundation
import Foundation
import PhanAnhCore
import UIKit

/// The core's VideoTranscoder on iOS: AVAssetExportSession to H.264/AAC MP4 at most 1280×720
/// (the preset's bound is on the long edge of the upright picture, which matches the core's
/// short-edge ≤ 720 for phone video), orientation applied, metadata dropped, optional trim.
/// The core calls this from its worker thread and waits; the export runs asynchronously.
final class ExportSessionTranscoder: VideoTranscoder {
    private let timeout: TimeInterval = 15 * 60

    func transcode(src: String, dest: String, target: VideoTarget) throws {
        let asset = AVURLAsset(url: URL(fileURLWithPath: src))
        let preset = target.maxHeight <= 540 ? AVAssetExportPreset960x540 : AVAssetExportPreset1280x720
        guard let session = AVAssetExportSession(asset: asset, presetName: preset) else {
            throw PlatformError.Failed(reason: "transcode_unsupported")
        }
        let out = URL(fileURLWithPath: dest)
        try? FileManager.default.removeItem(at: out)
        session.outputURL = out
        session.outputFileType = .mp4
        session.shouldOptimizeForNetworkUse = true
        // No location, device make/model or creation metadata in what is uploaded.
        session.metadata = []
        session.metadataItemFilter = .forSharing()
        if target.trimStartMs != nil || target.trimEndMs != nil {
            let start = CMTime(value: CMTimeValue(target.trimStartMs ?? 0), timescale: 1000)
            let end = target.trimEndMs.map { CMTime(value: CMTimeValue($0), timescale: 1000) } ?? asset.duration
            session.timeRange = CMTimeRange(start: start, end: end)
        }
        let done = DispatchSemaphore(value: 0)
        session.exportAsynchronously { done.signal() }
        if done.wait(timeout: .now() + timeout) == .timedOut {
            session.cancelExport()
            try? FileManager.default.removeItem(at: out)
            throw PlatformError.Failed(reason: "transcode_timeout")
        }
        guard session.status == .completed else {
            try? FileManager.default.removeItem(at: out)
            throw PlatformError.Failed(reason: "transcode_failed")
        }
    }

    func posterFrame(src: String, destJpeg: String) throws {
        let generator = AVAssetImageGenerator(asset: AVURLAsset(url: URL(fileURLWithPath: src)))
        generator.appliesPreferredTrackTransform = true
        generator.maximumSize = CGSize(width: 1280, height: 1280)
        let image: CGImage
        do {
            image = try generator.copyCGImage(at: .zero, actualTime: nil)
        } catch {
            throw PlatformError.Failed(reason: "poster_unreadable")
        }
        guard let data = UIImage(cgImage: image).jpegData(compressionQuality: 0.85) else {
            throw PlatformError.Failed(reason: "poster_encode_failed")
        }
        do {
            try data.write(to: URL(fileURLWithPath: destJpeg), options: .atomic)
        } catch {
            throw PlatformError.Failed(reason: "storage_io")
        }
    }
}
