package vn.phananh.app.platform

import android.content.Context
import java.io.File

/**
 * The tenant's administrative boundaries (province outline and communes/wards, GeoJSON) ship as
 * app assets; the core reads them from a directory, so they are copied out once per app version.
 * Returns null when the build carries none (the core then names no ward). Reads and writes
 * files: call it off the main thread (AppGraph runs it on the IO thread that opens the core).
 */
object BoundaryAssets {
    private const val ASSET_DIR = "boundaries"

    fun install(context: Context, versionCode: Long): String? {
        val names = context.assets.list(ASSET_DIR)?.filter { it.endsWith(".geojson") }.orEmpty()
        if (names.isEmpty()) return null
        val dir = File(context.noBackupFilesDir, ASSET_DIR)
        val stamp = File(dir, ".version")
        if (stamp.isFile && stamp.readText() == versionCode.toString()) return dir.absolutePath
        dir.mkdirs()
        for (name in names) {
            val tmp = File(dir, "$name.tmp")
            context.assets.open("$ASSET_DIR/$name").use { input -> tmp.outputStream().use { input.copyTo(it) } }
            if (!tmp.renameTo(File(dir, name))) throw java.io.IOException("cannot install $name")
        }
        stamp.writeText(versionCode.toString())
        return dir.absolutePath
    }
}
