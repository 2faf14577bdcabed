export type Sex = 'F' | 'M' | 'O' | 'U';

export interface Patient {
  id: string;
  mrn: string;
  name: string;
  birthDate: string | null;
  sex: Sex;
  notes: string;
  createdAt: string;
  updatedAt: string;
}

export interface PatientPage {
  items: Patient[];
  total: number;
}
