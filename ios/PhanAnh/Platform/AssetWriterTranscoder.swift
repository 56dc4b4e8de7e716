import AVFoundation
import Foundation
import PhanAnhCore
import UIKit

/// The core's VideoTranscoder on iOS. AVAssetExportSession's presets cannot be given a bitrate
/// (a 1280×720 export runs at several Mbit/s, far above a tenant's limit), so the clip is
/// re-encoded with AVAssetReader and AVAssetWriter: H.264 at `target.videoKbps` and AAC at
/// `target.audioKbps` (average bitrates), the short edge of the upright picture at most
/// `target.maxHeight` (never upscaled), the orientation kept through the track transform, no
/// metadata, and the optional trim. The core calls this from its worker thread and waits, then
/// checks the file: codecs, size, duration, and bytes against the two rates (an encoder that
/// overshoots is asked once more at a lower rate).
final class AssetWriterTranscoder: VideoTranscoder {
    private let timeout: TimeInterval = 15 * 60

    func transcode(src: String, dest: String, target: VideoTarget) throws {
        let asset = AVURLAsset(url: URL(fileURLWithPath: src))
        guard let videoTrack = asset.tracks(withMediaType: .video).first else {
            throw PlatformError.Failed(reason: "video_unreadable")
        }
        let out = URL(fileURLWithPath: dest)
        try? FileManager.default.removeItem(at: out)

        let reader: AVAssetReader
        let writer: AVAssetWriter
        do {
            reader = try AVAssetReader(asset: asset)
            writer = try AVAssetWriter(outputURL: out, fileType: .mp4)
        } catch {
            throw PlatformError.Failed(reason: "transcode_unsupported")
        }
        if target.trimStartMs != nil || target.trimEndMs != nil {
            let start = CMTime(value: CMTimeValue(target.trimStartMs ?? 0), timescale: 1000)
            let end = target.trimEndMs.map { CMTime(value: CMTimeValue($0), timescale: 1000) } ?? asset.duration
            reader.timeRange = CMTimeRange(start: start, end: end)
        }
        writer.shouldOptimizeForNetworkUse = true
        // No location, device make/model or creation date in what is uploaded.
        writer.metadata = []

        // Encoded in the track's stored orientation, scaled so that the upright picture's short
        // edge is at most maxHeight; the writer keeps the rotation as the track transform.
        let natural = videoTrack.naturalSize
        let upright = natural.applying(videoTrack.preferredTransform)
        let shortEdge = min(abs(upright.width), abs(upright.height))
        guard shortEdge > 0 else { throw PlatformError.Failed(reason: "video_unreadable") }
        let scale = min(1.0, Double(target.maxHeight) / Double(shortEdge))
        func even(_ v: Double) -> Int { max(2, Int((v / 2).rounded()) * 2) }
        let videoSettings: [String: Any] = [
            AVVideoCodecKey: AVVideoCodecType.h264,
            AVVideoWidthKey: even(Double(natural.width) * scale),
            AVVideoHeightKey: even(Double(natural.height) * scale),
            AVVideoScalingModeKey: AVVideoScalingModeResizeAspect,
            AVVideoCompressionPropertiesKey: [
                AVVideoAverageBitRateKey: Int(target.videoKbps) * 1000,
                AVVideoProfileLevelKey: AVVideoProfileLevelH264HighAutoLevel,
                AVVideoMaxKeyFrameIntervalDurationKey: 2,
            ] as [String: Any],
        ]
        let videoOut = AVAssetReaderTrackOutput(
            track: videoTrack,
            outputSettings: [kCVPixelBufferPixelFormatTypeKey as String: kCVPixelFormatType_420YpCbCr8BiPlanarVideoRange]
        )
        videoOut.alwaysCopiesSampleData = false
        guard writer.canApply(outputSettings: videoSettings, forMediaType: .video) else {
            throw PlatformError.Failed(reason: "transcode_unsupported")
        }
        let videoIn = AVAssetWriterInput(mediaType: .video, outputSettings: videoSettings)
        videoIn.expectsMediaDataInRealTime = false
        videoIn.transform = videoTrack.preferredTransform
        guard reader.canAdd(videoOut), writer.canAdd(videoIn) else {
            throw PlatformError.Failed(reason: "transcode_unsupported")
        }
        reader.add(videoOut)
        writer.add(videoIn)
        var pairs: [(AVAssetReaderOutput, AVAssetWriterInput)] = [(videoOut, videoIn)]

        if let audioTrack = asset.tracks(withMediaType: .audio).first {
            // Mono stays mono, anything else becomes stereo.
            let described = audioTrack.formatDescriptions.first.map { $0 as! CMAudioFormatDescription }
            let sourceChannels = described.flatMap { CMAudioFormatDescriptionGetStreamBasicDescription($0)?.pointee.mChannelsPerFrame } ?? 2
            let channels = sourceChannels == 1 ? 1 : 2
            let audioOut = AVAssetReaderTrackOutput(track: audioTrack, outputSettings: [
                AVFormatIDKey: kAudioFormatLinearPCM,
                AVNumberOfChannelsKey: channels,
                AVSampleRateKey: 44_100,
            ])
            let audioSettings: [String: Any] = [
                AVFormatIDKey: kAudioFormatMPEG4AAC,
                AVNumberOfChannelsKey: channels,
                AVSampleRateKey: 44_100,
                AVEncoderBitRateKey: Int(target.audioKbps) * 1000,
            ]
            guard writer.canApply(outputSettings: audioSettings, forMediaType: .audio) else {
                throw PlatformError.Failed(reason: "transcode_unsupported")
            }
            let audioIn = AVAssetWriterInput(mediaType: .audio, outputSettings: audioSettings)
            audioIn.expectsMediaDataInRealTime = false
            if reader.canAdd(audioOut), writer.canAdd(audioIn) {
                reader.add(audioOut)
                writer.add(audioIn)
                pairs.append((audioOut, audioIn))
            }
        }

        guard reader.startReading(), writer.startWriting() else {
            reader.cancelReading()
            writer.cancelWriting()
            try? FileManager.default.removeItem(at: out)
            throw PlatformError.Failed(reason: "transcode_failed")
        }
        writer.startSession(atSourceTime: reader.timeRange.start)

        // Each input pulls samples when it is ready; both blocks run on one serial queue and
        // return whenever their input is not ready, so neither starves the other.
        let queue = DispatchQueue(label: "vn.phananh.transcode")
        let group = DispatchGroup()
        for (output, input) in pairs {
            group.enter()
            var finished = false
            input.requestMediaDataWhenReady(on: queue) {
                guard !finished else { return }
                while input.isReadyForMoreMediaData {
                    if let sample = output.copyNextSampleBuffer(), input.append(sample) {
                        continue
                    }
                    finished = true
                    input.markAsFinished()
                    group.leave()
                    return
                }
            }
        }
        let fail = { (reason: String) -> PlatformError in
            reader.cancelReading()
            writer.cancelWriting()
            try? FileManager.default.removeItem(at: out)
            return PlatformError.Failed(reason: reason)
        }
        if group.wait(timeout: .now() + timeout) == .timedOut {
            throw fail("transcode_timeout")
        }
        guard reader.status == .completed, writer.status == .writing else {
            throw fail("transcode_failed")
        }
        let written = DispatchSemaphore(value: 0)
        writer.finishWriting { written.signal() }
        if written.wait(timeout: .now() + 60) == .timedOut {
            throw fail("transcode_timeout")
        }
        guard writer.status == .completed else {
            try? FileManager.default.removeItem(at: out)
            throw PlatformError.Failed(reason: "transcode_failed")
        }
    }

    func posterFrame(src: String, destJpeg: String, atMs: UInt64) throws {
        let generator = AVAssetImageGenerator(asset: AVURLAsset(url: URL(fileURLWithPath: src)))
        generator.appliesPreferredTrackTransform = true
        generator.maximumSize = CGSize(width: 1280, height: 1280)
        // The frame at the time the core chose, not the key frame before it (often the first,
        // dark frame); the first frame if the clip ends earlier.
        generator.requestedTimeToleranceBefore = .zero
        generator.requestedTimeToleranceAfter = .zero
        let at = CMTime(value: CMTimeValue(clamping: atMs), timescale: 1000)
        let image: CGImage
        do {
            image = try generator.copyCGImage(at: at, actualTime: nil)
        } catch {
            do {
                image = try generator.copyCGImage(at: .zero, actualTime: nil)
            } catch {
                throw PlatformError.Failed(reason: "poster_unreadable")
            }
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
