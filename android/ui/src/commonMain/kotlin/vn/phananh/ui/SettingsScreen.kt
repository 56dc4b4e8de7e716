package vn.phananh.ui

import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.Spacer
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.heightIn
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.rememberScrollState
import androidx.compose.foundation.selection.selectable
import androidx.compose.foundation.selection.selectableGroup
import androidx.compose.foundation.selection.toggleable
import androidx.compose.foundation.verticalScroll
import androidx.compose.foundation.layout.size
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.TextButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.RadioButton
import androidx.compose.material3.Scaffold
import androidx.compose.material3.Switch
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.semantics.Role
import androidx.compose.ui.unit.dp
import vn.phananh.ui.state.AppLanguage
import vn.phananh.ui.state.SettingsDialog
import vn.phananh.ui.state.SettingsEvent
import vn.phananh.ui.state.UiError
import vn.phananh.ui.state.SettingsState

/** Settings: language, Wi-Fi-only video, notifications, account (sign-out, my data, deletion). */
@Composable
fun SettingsScreen(state: SettingsState, onEvent: (SettingsEvent) -> Unit) {
    Scaffold(topBar = { PhanAnhTopBar(str(Str.settings_title), onBack = { onEvent(SettingsEvent.Back) }) }) { padding ->
        Column(Modifier.padding(padding).fillMaxSize().verticalScroll(rememberScrollState()).padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
            SectionTitle(str(Str.settings_language))
            Column(Modifier.selectableGroup()) {
                // Each language is named in itself, so a user who cannot read the current one finds theirs.
                LanguageRow("Tiếng Việt", state.language == AppLanguage.VI) { onEvent(SettingsEvent.ChangeLanguage(AppLanguage.VI)) }
                LanguageRow("English", state.language == AppLanguage.EN) { onEvent(SettingsEvent.ChangeLanguage(AppLanguage.EN)) }
            }
            HorizontalDivider()
            SwitchRow(str(Str.settings_wifi_video), str(Str.settings_wifi_video_hint), state.wifiOnlyVideo, { onEvent(SettingsEvent.ChangeWifiOnlyVideo(it)) })
            SwitchRow(str(Str.settings_notifications), str(Str.settings_notifications_hint), state.notificationsEnabled, { onEvent(SettingsEvent.ChangeNotifications(it)) })
            HorizontalDivider()
            SectionTitle(str(Str.settings_account))
            if (state.signedInPhone != null) {
                Text(str(Str.settings_signed_in_as, state.signedInPhone!!), style = MaterialTheme.typography.bodyLarge)
                OutlinedButton(onClick = { onEvent(SettingsEvent.SignOut) }, enabled = !state.busy, modifier = Modifier.fillMaxWidth().heightIn(min = MinTouch)) {
                    Text(str(Str.settings_sign_out), color = MaterialTheme.colorScheme.error, style = MaterialTheme.typography.labelLarge)
                }
                AccountData(state, onEvent)
            } else {
                Text(str(Str.settings_signed_out), style = MaterialTheme.typography.bodyLarge)
                PrimaryButton(str(Str.login_title), onClick = { onEvent(SettingsEvent.SignIn) })
            }
            HorizontalDivider()
            SectionTitle(str(Str.settings_about))
            LabelValue(str(Str.settings_tenant), state.tenantName.text())
            LabelValue(str(Str.settings_version), str(Str.settings_version_value, state.appVersion, state.coreVersion))
        }
    }
}

/** "Download my data" and "Delete account", with what the last attempt gave. */
@Composable
private fun AccountData(state: SettingsState, onEvent: (SettingsEvent) -> Unit) {
    Spacer(Modifier.heightIn(min = 4.dp))
    OutlinedButton(onClick = { onEvent(SettingsEvent.ExportData) }, enabled = !state.busy, modifier = Modifier.fillMaxWidth().heightIn(min = MinTouch)) {
        Text(str(Str.settings_export), style = MaterialTheme.typography.labelLarge)
    }
    Text(str(Str.settings_export_hint), style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
    if (state.busy) {
        Row(verticalAlignment = Alignment.CenterVertically) {
            CircularProgressIndicator(Modifier.size(20.dp), strokeWidth = 2.dp)
            Spacer(Modifier.width(8.dp))
            Text(str(Str.settings_busy), style = MaterialTheme.typography.bodyMedium)
        }
    }
    state.exported?.let { r ->
        Text(str(Str.settings_export_done, r.path, r.reports, r.mediaFiles), style = MaterialTheme.typography.bodyMedium)
        if (r.mediaMissing > 0) {
            Text(str(Str.settings_export_missing, r.mediaMissing), style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.error)
        }
        OutlinedButton(onClick = { onEvent(SettingsEvent.ShareExport(r.path)) }, modifier = Modifier.fillMaxWidth().heightIn(min = MinTouch)) {
            Text(str(Str.settings_export_share), style = MaterialTheme.typography.labelLarge)
        }
    }
    state.exportError?.let { e ->
        ErrorText(
            when (e) {
                UiError.Offline -> str(Str.settings_export_offline)
                UiError.Unauthorized, is UiError.Storage -> errorText(e)
                else -> str(Str.settings_export_failed)
            },
        )
    }
    OutlinedButton(onClick = { onEvent(SettingsEvent.DeleteAccount) }, enabled = !state.busy, modifier = Modifier.fillMaxWidth().heightIn(min = MinTouch)) {
        Text(str(Str.settings_delete), color = MaterialTheme.colorScheme.error, style = MaterialTheme.typography.labelLarge)
    }
    state.deleteError?.let { e ->
        ErrorText(
            when (e) {
                UiError.Offline -> str(Str.settings_delete_offline)
                UiError.Unauthorized -> errorText(e)
                else -> str(Str.settings_delete_failed)
            },
        )
    }
    when (val d = state.dialog) {
        is SettingsDialog.ConfirmSignOut -> ConfirmDialog(
            title = str(Str.settings_sign_out_title),
            body = if (d.unsent > 0) str(Str.settings_sign_out_unsent, d.unsent) else str(Str.settings_sign_out_body),
            confirm = str(Str.settings_sign_out_confirm),
            onConfirm = { onEvent(SettingsEvent.ConfirmSignOut) },
            onDismiss = { onEvent(SettingsEvent.DismissDialog) },
        )
        SettingsDialog.ConfirmDelete -> ConfirmDialog(
            title = str(Str.settings_delete_title),
            body = str(Str.settings_delete_body),
            confirm = str(Str.settings_delete_confirm),
            onConfirm = { onEvent(SettingsEvent.ConfirmDeleteAccount) },
            onDismiss = { onEvent(SettingsEvent.DismissDialog) },
        )
        null -> Unit
    }
}

@Composable
private fun ErrorText(text: String) {
    Text(text, style = MaterialTheme.typography.bodyMedium, color = MaterialTheme.colorScheme.error)
}

/** A question with a destructive answer: the confirm button says what happens, in red. */
@Composable
private fun ConfirmDialog(title: String, body: String, confirm: String, onConfirm: () -> Unit, onDismiss: () -> Unit) {
    AlertDialog(
        onDismissRequest = onDismiss,
        title = { Text(title) },
        text = { Text(body, style = MaterialTheme.typography.bodyMedium) },
        confirmButton = {
            TextButton(onClick = onConfirm, modifier = Modifier.heightIn(min = MinTouch)) {
                Text(confirm, color = MaterialTheme.colorScheme.error)
            }
        },
        dismissButton = {
            TextButton(onClick = onDismiss, modifier = Modifier.heightIn(min = MinTouch)) { Text(str(Str.settings_dialog_cancel)) }
        },
    )
}

@Composable
private fun LanguageRow(label: String, selected: Boolean, onSelect: () -> Unit) {
    Row(
        Modifier.fillMaxWidth().heightIn(min = MinTouch).selectable(selected, onClick = onSelect, role = Role.RadioButton),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        RadioButton(selected = selected, onClick = null)
        Spacer(Modifier.width(12.dp))
        Text(label, style = MaterialTheme.typography.bodyLarge)
    }
}

@Composable
private fun SwitchRow(title: String, hint: String, checked: Boolean, onChange: (Boolean) -> Unit) {
    Row(
        Modifier.fillMaxWidth().heightIn(min = MinTouch).toggleable(checked, onValueChange = onChange, role = Role.Switch).padding(vertical = 6.dp),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        Column(Modifier.weight(1f)) {
            Text(title, style = MaterialTheme.typography.bodyLarge)
            Text(hint, style = MaterialTheme.typography.bodySmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
        }
        Spacer(Modifier.width(12.dp))
        Switch(checked = checked, onCheckedChange = null)
    }
}
