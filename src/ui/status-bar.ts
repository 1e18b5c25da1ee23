// `● REC 00:12 · 3.1 MB · 0 gaps` while anything records; a click stops it.
import * as vscode from 'vscode';
import type { DeviceManager } from '../core/device-manager';
import { recordingText } from './device-tree';

export class RecordingStatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('labscope.recording', vscode.StatusBarAlignment.Left, 100);

  constructor(private readonly manager: DeviceManager) {
    this.item.name = 'Labscope Recording';
    this.item.command = 'labscope.stopRecording';
    this.item.backgroundColor = new vscode.ThemeColor('statusBarItem.errorBackground');
    manager.on('changed', () => this.render());
  }

  render(): void {
    const recording = this.manager.sessions((s) => s.recording !== undefined);
    if (!recording.length) {
      this.item.hide();
      return;
    }
    const [first] = recording;
    this.item.text = recordingText(first.session) + (recording.length > 1 ? ` (+${recording.length - 1})` : '');
    this.item.tooltip = `${recording.map(({ device, session }) => `${device.name} → ${session.recording!.path}`).join('\n')}\nClick to stop recording`;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
