import type { FramePixels } from '../../../../shared/domain/imaging';

export interface Window {
  center: number;
  width: number;
}

/** Window presets: the file's own, then the CT classics (in Hounsfield units). */
export function windowPresets(f: Pick<FramePixels, 'modality' | 'windowCenter' | 'windowWidth' | 'windowFromFile' | 'min' | 'max' | 'samples'>): { id: string; label: string; key: string; window: Window }[] {
  if (f.samples === 3) return [];
  const list = [
    { id: 'file', label: f.windowFromFile ? 'From file' : 'Default', key: '1', window: { center: f.windowCenter, width: f.windowWidth } },
    { id: 'full', label: 'Full range', key: '2', window: { center: (f.min + f.max) / 2, width: Math.max(1, f.max - f.min) } },
  ];
  if (f.modality === 'CT') {
    list.push(
      { id: 'lung', label: 'Lung', key: '3', window: { center: -600, width: 1500 } },
      { id: 'soft', label: 'Soft tissue', key: '4', window: { center: 40, width: 400 } },
      { id: 'bone', label: 'Bone', key: '5', window: { center: 400, width: 1800 } },
      { id: 'brain', label: 'Brain', key: '6', window: { center: 40, width: 80 } },
    );
  }
  return list;
}
