import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { IntakeForm } from "../IntakeForm";

test("submits intake", async () => {
  render(<IntakeForm />);
  await userEvent.type(screen.getByLabelText("Name"), "Hannah Galloway");
  await userEvent.type(screen.getByLabelText("Date of birth"), "03/13/2002");
  await userEvent.type(screen.getByLabelText("Phone"), "559-555-0132");
  expect(await screen.findByText("Thanks, Hannah!")).toBeVisible();
});
