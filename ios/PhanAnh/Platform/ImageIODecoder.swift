import Foundation
import ImageIO
import PhanAnhCore
import UniformTypeIdentifiers

/// The core's ImageDecoder hook for HEIC/HEIF (iPhone camera default): ImageIO decodes, applies
/// the EXIF orientation, downsamples to no less than `minLongEdge`, and writes a quality-95 JPEG
/// without metadata that the core then compresses like any photo.
final class ImageIODecoder: ImageDecoder {
    func decodeToFile(src: String, dest: String, minLongEdge: UInt32) throws {
        guard let source = CGImageSourceCreateWithURL(URL(fileURLWithPath: src) as CFURL, nil) else {
            throw PlatformError.Failed(reason: "decode_failed")
        }
        var options: [CFString: Any] = [
            kCGImageSourceCreateThumbnailFromImageAlways: true,
            kCGImageSourceCreateThumbnailWithTransform: true,
            kCGImageSourceShouldCacheImmediately: true,
        ]
        if minLongEdge > 0 {
            options[kCGImageSourceThumbnailMaxPixelSize] = Int(minLongEdge)
        } else if let props = CGImageSourceCopyPropertiesAtIndex(source, 0, nil) as? [CFString: Any],
                  let w = props[kCGImagePropertyPixelWidth] as? Int, let h = props[kCGImagePropertyPixelHeight] as? Int {
            options[kCGImageSourceThumbnailMaxPixelSize] = max(w, h)
        }
        guard let image = CGImageSourceCreateThumbnailAtIndex(source, 0, options as CFDictionary) else {
            throw PlatformError.Failed(reason: "decode_failed")
        }
        guard let out = CGImageDestinationCreateWithURL(URL(fileURLWithPath: dest) as CFURL, UTType.jpeg.identifier as CFString, 1, nil) else {
            throw PlatformError.Failed(reason: "storage_io")
        }
        CGImageDestinationAddImage(out, image, [kCGImageDestinationLossyCompressionQuality: 0.95] as CFDictionary)
        guard CGImageDestinationFinalize(out) else { throw PlatformError.Failed(reason: "storage_io") }
    }
}
