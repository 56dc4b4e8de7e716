package vn.phananh.app

import android.content.Context
import java.io.File
import vn.phananh.app.core.CoreGateway
import vn.phananh.app.platform.AndroidImageDecoder
import vn.phananh.app.platform.AndroidLogSink
import vn.phananh.app.platform.ConnectivityMonitor
import vn.phananh.app.platform.DeviceLocationProvider
import vn.phananh.app.platform.KeystoreSecretStore
import vn.phananh.app.platform.Media3VideoTranscoder
import vn.phananh.app.platform.MediaImporter
import vn.phananh.app.platform.defaultLocationProvider
import vn.phananh.app.settings.AppSettings
import vn.phananh.app.work.StatusNotifier
import vn.phananh.app.work.SyncScheduler
import vn.phananh.core.ClientConfig
import vn.phananh.core.LogLevel
import vn.phananh.core.PhanAnhClient
import vn.phananh.core.setLogSink
import vn.phananh.data.RustCoreRepository

/**
 * Everything the app holds for its lifetime: the one core client with the platform services
 * plugged in, and the Android-side helpers. Built once in [PhanAnhApplication].
 */
class AppGraph(context: Context) {
    val settings = AppSettings(context)
    val notifier = StatusNotifier(context)
    val scheduler = SyncScheduler(context)
    val importer = MediaImporter(context)
    val location: DeviceLocationProvider = defaultLocationProvider(context)

    val client: PhanAnhClient = run {
        setLogSink(AndroidLogSink(), if (BuildConfig.DEBUG) LogLevel.DEBUG else LogLevel.INFO)
        PhanAnhClient(
            ClientConfig(
                // noBackupFilesDir would also do; "core" is excluded from backups in data_extraction_rules.xml.
                storageDir = File(context.filesDir, "core").apply { mkdirs() }.absolutePath,
                baseUrl = BuildConfig.API_BASE_URL_OVERRIDE.ifBlank { null },
                defaultTenantJson = null,
            ),
        ).also { client ->
            // Platform services the core calls back (foreign traits). PENDING-BINDINGS: setter names.
            client.setSecretStore(KeystoreSecretStore(context))
            client.setVideoTranscoder(Media3VideoTranscoder(context))
            client.setImageDecoder(AndroidImageDecoder())
        }
    }

    val gateway = CoreGateway(client)
    /** What android/core-jvm's view-models read and write through. */
    val repository = RustCoreRepository(client)

    private val connectivity = ConnectivityMonitor(context) { online, metered ->
        gateway.setConnectivity(online, metered)
        if (online) scheduler.syncNow()
    }

    fun start() {
        notifier.createChannels()
        gateway.setVideoWifiOnly(settings.values.value.wifiOnlyVideo)
        connectivity.start()
        scheduler.schedulePeriodic()
    }
}
