package vn.phananh.app.platform

import android.graphics.BitmapFactory
import androidx.compose.ui.graphics.ImageBitmap
import androidx.compose.ui.graphics.asImageBitmap
import java.io.File
import java.net.HttpURLConnection
import java.net.URL
import java.security.MessageDigest
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import vn.phananh.ui.TileLoader

/**
 * Background tiles of the map: fetched over HTTPS from the tenant's tile source (the URL the
 * presenter built from its template, which the core checked), kept in the app's cache folder
 * (pruned to [maxBytes], oldest first) so a tile is fetched once. Any failure is "no tile":
 * the map then shows its outlines and markers on a plain background.
 */
class MapTiles(private val dir: File, private val maxBytes: Long = 32L * 1024 * 1024) : TileLoader {
    override suspend fun load(url: String): ImageBitmap? = withContext(Dispatchers.IO) {
        val file = File(dir, sha256(url) + ".tile")
        if (!file.isFile) runCatching { download(url, file) }
        runCatching { BitmapFactory.decodeFile(file.path)?.asImageBitmap() }.getOrNull()
    }

    private fun download(url: String, file: File) {
        dir.mkdirs()
        val c = URL(url).openConnection() as HttpURLConnection
        try {
            c.connectTimeout = 10_000
            c.readTimeout = 15_000
            // Tile servers ask for an application name (OpenStreetMap's tile usage policy).
            c.setRequestProperty("User-Agent", "PhanAnh-Android/1.0")
            if (c.responseCode != 200) return
            val part = File(dir, file.name + ".part")
            c.inputStream.use { input -> part.outputStream().use { input.copyTo(it) } }
            part.renameTo(file)
        } finally {
            c.disconnect()
        }
        prune()
    }

    private fun prune() {
        val files = dir.listFiles()?.sortedBy { it.lastModified() } ?: return
        var total = files.sumOf { it.length() }
        for (f in files) {
            if (total <= maxBytes) break
            total -= f.length()
            f.delete()
        }
    }

    private fun sha256(s: String) = MessageDigest.getInstance("SHA-256").digest(s.toByteArray()).joinToString("") { "%02x".format(it) }
}
