package vn.phananh.app.platform

import android.graphics.Bitmap
import android.graphics.ImageDecoder as PlatformDecoder
import android.os.Build
import java.io.File
import java.io.IOException
import vn.phananh.core.ImageDecoder
import vn.phananh.core.PlatformException

/**
 * The core's [ImageDecoder] hook for formats its Rust decoders do not read (HEIC/HEIF from
 * iPhones and newer Android cameras): the platform decodes, applies the orientation, optionally
 * downsamples (never below `minLongEdge`), and writes a quality-95 JPEG the core then processes.
 */
class AndroidImageDecoder : ImageDecoder {
    override fun decodeToFile(src: String, dest: String, minLongEdge: UInt) {
        if (Build.VERSION.SDK_INT < Build.VERSION_CODES.P) throw PlatformException.Failed("heic_unsupported_os")
        try {
            val bitmap = PlatformDecoder.decodeBitmap(PlatformDecoder.createSource(File(src))) { decoder, info, _ ->
                val long = maxOf(info.size.width, info.size.height)
                val wanted = minLongEdge.toInt()
                if (wanted in 1 until long) {
                    // Halve while the result stays at least the size the core asked for.
                    var sample = 1
                    while (long / (sample * 2) >= wanted) sample *= 2
                    decoder.setTargetSampleSize(sample)
                }
                decoder.allocator = PlatformDecoder.ALLOCATOR_SOFTWARE
            }
            File(dest).outputStream().use { out ->
                if (!bitmap.compress(Bitmap.CompressFormat.JPEG, 95, out)) throw PlatformException.Failed("decode_encode_failed")
            }
            bitmap.recycle()
        } catch (e: IOException) {
            throw PlatformException.Failed("decode_failed")
        } catch (e: OutOfMemoryError) {
            throw PlatformException.Failed("decode_too_large")
        }
    }
}
