package vn.phananh.presenter

import java.io.File
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import vn.phananh.data.AccountRepository
import vn.phananh.data.OutboxRepository
import vn.phananh.data.Preferences
import vn.phananh.data.PreferencesRepository
import vn.phananh.data.SessionRepository
import vn.phananh.data.runCatchingExceptions
import vn.phananh.ui.state.ExportResult
import vn.phananh.ui.state.LocalizedText
import vn.phananh.ui.state.SettingsDialog
import vn.phananh.ui.state.SettingsEvent
import vn.phananh.ui.state.SettingsState

/**
 * Settings: the app's preferences (language, videos on Wi-Fi only, notifications), the
 * session and the resident's data rights. The Wi-Fi choice is also the core's upload rule: it
 * is handed to the core on [appScope], so that leaving the screen at once does not lose it; so
 * is a confirmed sign-out or account deletion (leaving the screen must not stop them half-way
 * in the app's view of things; the core itself never tears them).
 *
 * Sign-out and deletion ask first. The sign-out question says how many unsent drafts and
 * queued items stay on the phone for this account. "Download my data" writes into
 * [exportDir] (a folder of the app's own storage, used for nothing else; the shell offers to
 * share it); older exports there are removed, and all of them at sign-out and deletion.
 */
class SettingsPresenter(
    private val preferences: PreferencesRepository,
    private val session: SessionRepository,
    private val outbox: OutboxRepository,
    private val account: AccountRepository,
    private val scope: CoroutineScope,
    private val appScope: CoroutineScope,
    private val appVersion: String,
    private val coreVersion: String,
    private val exportDir: () -> String,
) : Presenter<SettingsState, SettingsEvent> {
    private val config = session.config()
    private var signedIn = false
    private val _state = MutableStateFlow(build(preferences.values.value, null))
    override val state: StateFlow<SettingsState> = _state.asStateFlow()

    init {
        scope.launch { preferences.values.collect { v -> _state.update { build(v, it) } } }
        scope.launch { readSession() }
    }

    override fun onEvent(event: SettingsEvent) {
        when (event) {
            is SettingsEvent.ChangeLanguage -> preferences.setLanguage(event.language)
            is SettingsEvent.ChangeNotifications -> preferences.setNotifications(event.enabled)
            is SettingsEvent.ChangeWifiOnlyVideo -> {
                preferences.setWifiOnlyVideo(event.enabled)
                appScope.launch { runCatchingExceptions { outbox.setVideoWifiOnly(event.enabled) } }
            }
            SettingsEvent.SignOut -> scope.launch {
                // Unknown (the store could not be read) is asked about like "nothing unsent".
                val unsent = runCatchingExceptions { session.unsentCount() }.getOrDefault(0)
                _state.update { it.copy(dialog = SettingsDialog.ConfirmSignOut(unsent)) }
            }
            SettingsEvent.ConfirmSignOut -> {
                _state.update { it.copy(dialog = null, busy = true) }
                appScope.launch {
                    runCatchingExceptions { session.signOut() }
                    forgetAccountTraces()
                    readSession()
                    _state.update { it.copy(busy = false, exported = null) }
                }
            }
            SettingsEvent.ExportData -> {
                if (_state.value.busy) return
                _state.update { it.copy(busy = true, exported = null, exportError = null, deleteError = null) }
                scope.launch {
                    runCatchingExceptions { account.exportMyData(exportDir()) }
                        .onSuccess { s ->
                            purgeExports(keep = s.path)
                            val r = ExportResult(s.path, s.reports.toInt(), s.mediaFiles.toInt(), s.mediaMissing.toInt())
                            _state.update { it.copy(busy = false, exported = r) }
                        }
                        .onFailure { e -> _state.update { it.copy(busy = false, exportError = e.toUiError()) } }
                }
            }
            SettingsEvent.DeleteAccount -> _state.update { it.copy(dialog = SettingsDialog.ConfirmDelete, deleteError = null) }
            SettingsEvent.ConfirmDeleteAccount -> {
                if (_state.value.busy) return
                _state.update { it.copy(dialog = null, busy = true, deleteError = null, exportError = null) }
                appScope.launch {
                    runCatchingExceptions { account.deleteAccount() }
                        .onSuccess {
                            forgetAccountTraces()
                            readSession()
                            _state.update { it.copy(busy = false, exported = null, accountDeleted = true) }
                        }
                        .onFailure { e -> _state.update { it.copy(busy = false, deleteError = e.toUiError()) } }
                }
            }
            SettingsEvent.DismissDialog -> _state.update { it.copy(dialog = null) }
            is SettingsEvent.Shell -> Unit
        }
    }

    /**
     * Earlier exports hold personal data (the phone number, reports): only the latest one is
     * kept, and none after sign-out or deletion (the next person on this phone must not find them).
     */
    private suspend fun purgeExports(keep: String?) = withContext(Dispatchers.IO) {
        runCatching {
            val keepFile = keep?.let { File(it).canonicalFile }
            File(exportDir()).listFiles()?.forEach { f -> if (f.canonicalFile != keepFile) f.deleteRecursively() }
        }
    }

    /** What the app itself kept of the account: its exports and the masked number. */
    private suspend fun forgetAccountTraces() {
        purgeExports(keep = null)
        preferences.forgetPhone()
    }

    private suspend fun readSession() {
        signedIn = runCatchingExceptions { session.isSignedIn() }.getOrDefault(false)
        _state.update { build(preferences.values.value, it) }
    }

    private fun build(v: Preferences, old: SettingsState?): SettingsState {
        val base = SettingsState(
            language = v.language,
            wifiOnlyVideo = v.wifiOnlyVideo,
            notificationsEnabled = v.notifications,
            signedInPhone = if (signedIn) v.maskedPhone ?: "" else null,
            tenantName = LocalizedText(config.nameVi, config.nameEn),
            appVersion = appVersion,
            coreVersion = coreVersion,
        )
        return old?.let {
            base.copy(
                dialog = it.dialog, busy = it.busy, exported = it.exported, exportError = it.exportError,
                deleteError = it.deleteError, accountDeleted = it.accountDeleted,
            )
        } ?: base
    }
}
