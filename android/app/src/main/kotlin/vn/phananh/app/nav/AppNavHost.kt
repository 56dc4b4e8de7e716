package vn.phananh.app.nav

import android.Manifest
import android.content.pm.PackageManager
import android.net.Uri
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.PickVisualMediaRequest
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.setValue
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.ui.platform.LocalContext
import androidx.core.content.ContextCompat
import androidx.lifecycle.ViewModel
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import androidx.lifecycle.viewmodel.compose.viewModel
import androidx.navigation.NavHostController
import androidx.navigation.compose.NavHost
import androidx.navigation.compose.composable
import androidx.navigation.compose.rememberNavController
import kotlinx.coroutines.launch
import vn.phananh.app.AppGraph
import vn.phananh.app.camera.CameraCaptureScreen
import vn.phananh.app.camera.CaptureMode
import vn.phananh.ui.HomeScreen
import vn.phananh.ui.LocationPickerScreen
import vn.phananh.ui.LoginScreen
import vn.phananh.ui.NewReportScreen
import vn.phananh.ui.OutboxScreen
import vn.phananh.ui.RatingScreen
import vn.phananh.ui.ReportDetailScreen
import vn.phananh.ui.SettingsScreen
import vn.phananh.ui.state.HomeActions
import vn.phananh.ui.state.LocationPickerActions
import vn.phananh.ui.state.LocationStatus
import vn.phananh.ui.state.NewReportActions
import vn.phananh.ui.state.OutboxActions
import vn.phananh.ui.state.RatingActions
import vn.phananh.ui.state.ReportDetailActions
import vn.phananh.ui.state.SettingsActions
import vn.phananh.ui.state.LoginActions
import vn.phananh.ui.state.LocalizedText

private object Routes {
    const val HOME = "home"
    const val NEW = "new?draft={draft}"
    const val PICKER = "picker/{lat}/{lon}"
    const val CAMERA = "camera/{mode}"
    const val OUTBOX = "outbox"
    const val DETAIL = "report/{id}"
    const val RATING = "report/{id}/rating?vi={vi}&en={en}"
    const val LOGIN = "login"
    const val SETTINGS = "settings"

    fun newReport(draft: String? = null) = if (draft == null) "new" else "new?draft=${Uri.encode(draft)}"
    fun picker(lat: Double, lon: Double) = "picker/$lat/$lon"
    fun camera(mode: CaptureMode) = "camera/${mode.name}"
    fun detail(id: String) = "report/${Uri.encode(id)}"
    fun rating(id: String, category: LocalizedText) =
        "report/${Uri.encode(id)}/rating?vi=${Uri.encode(category.vi)}&en=${Uri.encode(category.en)}"
}

/** Keeps a screen model alive across configuration changes; closes it with its back-stack entry. */
private class ModelHolder<M : AutoCloseable>(val model: M) : ViewModel() {
    override fun onCleared() = model.close()
}

@Composable
private fun <M : AutoCloseable> rememberModel(create: () -> M): M =
    viewModel<ModelHolder<M>>(initializer = { ModelHolder(create()) }).model

/** The app's screens and how the user moves between them. Platform intents are handled here. */
@Composable
fun AppNavHost(graph: AppGraph, openReport: String?, onReportOpened: () -> Unit) {
    val nav = rememberNavController()
    val models: ScreenModels = remember { CoreScreenModels(graph) }
    LaunchedEffect(openReport) {
        if (openReport != null) {
            nav.navigate(Routes.detail(openReport))
            onReportOpened()
        }
    }
    NavHost(nav, startDestination = Routes.HOME) {
        composable(Routes.HOME) {
            val model = rememberModel { models.home() }
            val state by model.state.collectAsStateWithLifecycle()
            HomeScreen(state, object : HomeActions by model.actions {
                override fun openReport(id: String) = nav.navigate(Routes.detail(id))
                override fun newReport() = nav.navigate(Routes.newReport())
                override fun openOutbox() = nav.navigate(Routes.OUTBOX)
                override fun openSettings() = nav.navigate(Routes.SETTINGS)
                override fun signIn() = nav.navigate(Routes.LOGIN)
            })
        }
        composable(Routes.NEW) { entry ->
            val model = rememberModel { models.newReport(entry.arguments?.getString("draft")) }
            NewReportRoute(graph, nav, model)
        }
        composable(Routes.CAMERA) { entry ->
            val mode = CaptureMode.valueOf(entry.arguments?.getString("mode") ?: CaptureMode.PHOTO.name)
            val maxSeconds = remember { graph.client.config().media.maxVideoSeconds.toInt() }
            CameraCaptureScreen(mode, maxVideoSeconds = maxSeconds, onCaptured = { path ->
                nav.previousBackStackEntry?.savedStateHandle?.set(CAPTURED, path)
                nav.popBackStack()
            }, onCancel = { nav.popBackStack() })
        }
        composable(Routes.PICKER) { entry ->
            val lat = entry.arguments?.getString("lat")?.toDoubleOrNull() ?: 0.0
            val lon = entry.arguments?.getString("lon")?.toDoubleOrNull() ?: 0.0
            val model = rememberModel {
                models.locationPicker(lat, lon) { fix ->
                    nav.previousBackStackEntry?.savedStateHandle?.set(PICKED, doubleArrayOf(fix.lat, fix.lon))
                }
            }
            val state by model.state.collectAsStateWithLifecycle()
            LocationPickerScreen(state, object : LocationPickerActions by model.actions {
                override fun confirm() { model.actions.confirm(); nav.popBackStack() }
                override fun cancel() { nav.popBackStack() }
            })
        }
        composable(Routes.OUTBOX) {
            val model = rememberModel { models.outbox() }
            val state by model.state.collectAsStateWithLifecycle()
            OutboxScreen(state, object : OutboxActions by model.actions {
                override fun retry(clientId: String) { model.actions.retry(clientId); graph.scheduler.syncNow() }
                override fun retryAll() { model.actions.retryAll(); graph.scheduler.syncNow() }
                override fun open(clientId: String) = nav.navigate(Routes.detail(clientId))
                override fun back() { nav.popBackStack() }
            })
        }
        composable(Routes.DETAIL) { entry ->
            val id = entry.arguments?.getString("id").orEmpty()
            val model = rememberModel { models.detail(id) }
            val state by model.state.collectAsStateWithLifecycle()
            ReportDetailScreen(state, object : ReportDetailActions by model.actions {
                override fun rate() = nav.navigate(Routes.rating(id, state.category))
                override fun back() { nav.popBackStack() }
            })
        }
        composable(Routes.RATING) { entry ->
            val id = entry.arguments?.getString("id").orEmpty()
            val category = LocalizedText(entry.arguments?.getString("vi").orEmpty(), entry.arguments?.getString("en").orEmpty())
            val model = rememberModel { models.rating(id, category) }
            val state by model.state.collectAsStateWithLifecycle()
            LaunchedEffect(state.submitted) { if (state.submitted) graph.scheduler.syncNow() }
            RatingScreen(state, object : RatingActions by model.actions {
                override fun back() { nav.popBackStack() }
            })
        }
        composable(Routes.LOGIN) {
            val model = rememberModel { models.login() }
            val state by model.state.collectAsStateWithLifecycle()
            LoginScreen(state, object : LoginActions by model.actions {
                override fun skip() { nav.popBackStack(Routes.HOME, inclusive = false) }
            })
        }
        composable(Routes.SETTINGS) {
            val model = rememberModel { models.settings() }
            val state by model.state.collectAsStateWithLifecycle()
            SettingsScreen(state, object : SettingsActions by model.actions {
                override fun signIn() = nav.navigate(Routes.LOGIN)
                override fun back() { nav.popBackStack() }
            })
        }
    }
}

private const val CAPTURED = "captured_path"
private const val PICKED = "picked_lat_lon"

/** New report with its platform parts: camera, photo picker, location permission and fixes. */
@Composable
private fun NewReportRoute(graph: AppGraph, nav: NavHostController, model: NewReportModel) {
    val context = LocalContext.current
    val scope = rememberCoroutineScope()
    val state by model.state.collectAsStateWithLifecycle()

    fun measureLocation() = scope.launch {
        model.deviceFix(null, LocationStatus.ACQUIRING)
        val fix = graph.location.currentFix(timeoutMs = 20_000) ?: graph.location.lastKnownFix()
        model.deviceFix(fix, if (fix == null) LocationStatus.UNAVAILABLE else LocationStatus.FIXED)
    }

    val locationPermission = rememberLauncherForActivityResult(ActivityResultContracts.RequestMultiplePermissions()) { granted ->
        if (granted.values.any { it }) measureLocation() else model.deviceFix(null, LocationStatus.PERMISSION_DENIED)
    }
    var pendingCamera by remember { mutableStateOf<CaptureMode?>(null) }
    val cameraPermission = rememberLauncherForActivityResult(ActivityResultContracts.RequestMultiplePermissions()) { granted ->
        // Video without sound is still useful: only the camera itself is required.
        val mode = pendingCamera
        pendingCamera = null
        if (mode != null && granted[Manifest.permission.CAMERA] != false) nav.navigate(Routes.camera(mode))
    }
    val maxItems = (state.maxPhotos - state.photoCount + state.maxVideos - state.videoCount).coerceAtLeast(2)
    val picker = rememberLauncherForActivityResult(ActivityResultContracts.PickMultipleVisualMedia(maxItems)) { uris ->
        scope.launch {
            for (uri in uris) {
                val file = runCatching { graph.importer.copyToPrivateFile(uri) }.getOrNull() ?: continue
                try { model.attach(file.absolutePath) } finally { graph.importer.discard(file) }
            }
        }
    }

    // A photo or video coming back from the camera screen.
    val captured = nav.currentBackStackEntry?.savedStateHandle?.getStateFlow<String?>(CAPTURED, null)?.collectAsStateWithLifecycle()
    LaunchedEffect(captured?.value) {
        captured?.value?.let { path ->
            model.attach(path)
            nav.currentBackStackEntry?.savedStateHandle?.set(CAPTURED, null)
        }
    }

    // A position placed with the pin-adjust screen.
    val picked = nav.currentBackStackEntry?.savedStateHandle?.getStateFlow<DoubleArray?>(PICKED, null)?.collectAsStateWithLifecycle()
    LaunchedEffect(picked?.value) {
        picked?.value?.let { (lat, lon) ->
            model.pin(lat, lon)
            nav.currentBackStackEntry?.savedStateHandle?.set(PICKED, null)
        }
    }

    LaunchedEffect(Unit) {
        val fine = ContextCompat.checkSelfPermission(context, Manifest.permission.ACCESS_FINE_LOCATION) == PackageManager.PERMISSION_GRANTED
        val coarse = ContextCompat.checkSelfPermission(context, Manifest.permission.ACCESS_COARSE_LOCATION) == PackageManager.PERMISSION_GRANTED
        if (fine || coarse) measureLocation()
        else locationPermission.launch(arrayOf(Manifest.permission.ACCESS_FINE_LOCATION, Manifest.permission.ACCESS_COARSE_LOCATION))
    }
    // In the outbox: give the core background time and go back to the list.
    LaunchedEffect(state.submitted) {
        if (state.submitted) {
            graph.scheduler.syncNow()
            nav.popBackStack()
        }
    }

    fun withCamera(mode: CaptureMode) {
        val needed = buildList {
            add(Manifest.permission.CAMERA)
            if (mode == CaptureMode.VIDEO) add(Manifest.permission.RECORD_AUDIO)
        }.filter { ContextCompat.checkSelfPermission(context, it) != PackageManager.PERMISSION_GRANTED }
        if (needed.isEmpty()) {
            nav.navigate(Routes.camera(mode))
        } else {
            pendingCamera = mode
            cameraPermission.launch(needed.toTypedArray())
        }
    }

    NewReportScreen(state, object : NewReportActions by model.actions {
        override fun takePhoto() = withCamera(CaptureMode.PHOTO)
        override fun recordVideo() = withCamera(CaptureMode.VIDEO)
        override fun pickFromGallery() = picker.launch(PickVisualMediaRequest(ActivityResultContracts.PickVisualMedia.ImageAndVideo))
        override fun refreshLocation() { measureLocation() }
        override fun requestLocationPermission() =
            locationPermission.launch(arrayOf(Manifest.permission.ACCESS_FINE_LOCATION, Manifest.permission.ACCESS_COARSE_LOCATION))
        override fun adjustLocation() {
            val at = state.location.chosen
            scope.launch {
                val fix = at?.let { it.lat to it.lon } ?: graph.location.lastKnownFix()?.let { it.lat to it.lon }
                // Without any position yet, start from the province's centre of government.
                val (lat, lon) = fix ?: (18.3427 to 105.9057)
                nav.navigate(Routes.picker(lat, lon))
            }
        }
        override fun close() { nav.popBackStack() }
    })
}
