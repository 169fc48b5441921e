import type { Meta, StoryObj } from "@storybook/react";
import { PatientBanner } from "./PatientBanner";

const meta: Meta<typeof PatientBanner> = { component: PatientBanner };
export default meta;

export const Default: StoryObj<typeof PatientBanner> = {
  args: { name: "Yilmaz, Keiko", dob: "23 Mar 1964", mrn: "5861280" },
};
