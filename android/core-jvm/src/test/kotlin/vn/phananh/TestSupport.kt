package vn.phananh

import java.io.File
import java.nio.file.Files
import java.security.MessageDigest
import java.time.Instant
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.withTimeout
import vn.phananh.core.LocationFix
import vn.phananh.core.LocationSource

/** Paths handed in by surefire (android/core-jvm/pom.xml). */
object TestEnv {
    val photos: File = File(System.getProperty("phananh.photos") ?: "../../../shared/data/photos").canonicalFile
    val stubBinary: File = File(System.getProperty("phananh.stub") ?: "../../target/debug/phananh-stub").canonicalFile
    val boundaries: File = File(photos.parentFile, "boundaries")

    fun photo(name: String): File = File(photos, name).also { require(it.isFile) { "missing test photo $it" } }

    fun tempDir(prefix: String): File = Files.createTempDirectory(prefix).toFile().also { it.deleteOnExit() }
}

fun File.sha256Hex(): String =
    MessageDigest.getInstance("SHA-256").digest(readBytes()).joinToString("") { "%02x".format(it) }

/** A fix in Thành Sen ward, Hà Tĩnh city. */
fun haTinhFix(source: LocationSource = LocationSource.DEVICE_GPS) =
    LocationFix(18.3427, 105.9057, 8.0, null, Instant.now(), source)

/**
 * The first state matching [predicate]. The deadline bounds a wait for something that must
 * happen (a core call, a file copied): 30 s, as a loaded 2-core CI machine once took over 10 s.
 */
suspend fun <T> StateFlow<T>.awaitState(timeoutMs: Long = 30_000, predicate: (T) -> Boolean): T =
    withTimeout(timeoutMs) { first(predicate) }
