package vn.phananh.app

import android.content.Context
import java.io.File
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.launch
import vn.phananh.app.core.CoreGateway
import vn.phananh.app.platform.AndroidImageDecoder
import vn.phananh.app.platform.AndroidLogSink
import vn.phananh.app.platform.BoundaryAssets
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
 * plugged in (foreign traits), and the Android-side helpers. Built once in [PhanAnhApplication].
 */
class AppGraph(context: Context) {
    /** Work that outlives a screen (settings pushed to the core, sign-out). */
    val appScope = CoroutineScope(SupervisorJob() + Dispatchers.Default)
    val settings = AppSettings(context)
    val notifier = StatusNotifier(context)
    val scheduler = SyncScheduler(context)
    val importer = MediaImporter(context)
    val location: DeviceLocationProvider = defaultLocationProvider(context)

    val client: PhanAnhClient = run {
        setLogSink(AndroidLogSink(), if (BuildConfig.DEBUG) LogLevel.DEBUG else LogLevel.INFO)
        PhanAnhClient(
            ClientConfig(
                // Excluded from backups in data_extraction_rules.xml: drafts belong to this install.
                storageDir = File(context.filesDir, "core").apply { mkdirs() }.absolutePath,
                baseUrl = BuildConfig.API_BASE_URL_OVERRIDE.ifBlank { null },
                defaultTenantJson = null,
                boundariesDir = BoundaryAssets.install(context, BuildConfig.VERSION_CODE.toLong()),
                secretStore = KeystoreSecretStore(context),
                imageDecoder = AndroidImageDecoder(),
                videoTranscoder = Media3VideoTranscoder(context),
            ),
        )
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
        appScope.launch { gateway.setVideoWifiOnly(settings.values.value.wifiOnlyVideo) }
        connectivity.start()
        scheduler.schedulePeriodic()
    }
}
